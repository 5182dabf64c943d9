package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;

/**
 * AdamW (the engine's {@link AdamW} arithmetic) over the flat values of one {@link ParameterSet}, on
 * the backend of an {@link UpdateBackend}: the host ({@link UpdateBackend#cpu()}, the engine's
 * {@code AdamW} itself) or a device that keeps the values, moments and the direction resident. The
 * Adam direction u of the current step is held by the optimizer: {@link #updateMoments} computes it
 * once per step, {@link #apply} (and a LyapEMA kernel of the same backend) uses it.
 *
 * <p>Coherence: after every call the host copy of the set's values is current. Code that writes the
 * values on the host (checkpoint restore, a pipeline's initial student) tells the backend with
 * {@link UpdateBackend#hostWritten}.
 */
public interface AdamWOptimizer {

    /** The backend that made this optimizer (its EMA and LyapEMA kernels work with it). */
    UpdateBackend backend();

    ParameterSet parameters();

    double weightDecay();

    /** Number of {@link #updateMoments} calls so far. */
    long stepCount();

    /** Advances the step count and the moments from {@code gradient} [P] and computes the direction u (kept here). */
    void updateMoments(float[] gradient);

    /**
     * {@code values ← values·(1 − lr·wd) − lr·u} in place with the current direction (frozen parameters
     * unchanged), the host copy current on return. A device optimizer accepts only the set's own values array.
     */
    void apply(float[] values, double lr);

    /** The state (step, moments) as the engine's {@link AdamW.State}, so checkpoints move between backends. */
    AdamW.State state();

    /** Continues from {@code state} as if never stopped. */
    void restore(AdamW.State state);
}
