package org.semivim.training.update;

import java.util.Map;

/**
 * The method-specific end of phase (6): with the Adam direction u of this step already computed by
 * its {@link #optimizer()} (moments advanced, once) and the scheduled lr, write the new student and
 * teacher in place. Returns whether the step was committed and the method's fields for the step
 * record (empty for the plain updates; LyapEMA's α, d, V, s, λ, …).
 */
public interface ParameterUpdate {

    /** Whether the parameters were committed (LyapEMA may refuse a non-finite candidate), and the record fields. */
    record Applied(boolean committed, Map<String, Object> fields) {}

    /** The optimizer whose direction this update applies ({@link UpdatePhase} advances its moments). */
    AdamWOptimizer optimizer();

    /**
     * @param student   [P] θS_{t−1} on entry, θS_t on return (unchanged when not committed): the optimizer's values
     * @param teacher   [P] θT_{t−1} on entry, θT_t on return (unchanged when not committed); null without a teacher
     * @param lr        the scheduled learning rate η_sched(t)
     * @param loss      the step's loss L (LyapEMA refuses to commit a non-finite one)
     */
    Applied apply(float[] student, float[] teacher, double lr, double loss);

    /** The update's own state between steps, as JSON values, for {@code TrainState} (empty when it has none). */
    default Map<String, Object> state() {
        return Map.of();
    }

    /** Continues from a {@link #state()}; the plain updates accept only an empty one. */
    default void restore(Map<String, Object> state) {
        if (!state.isEmpty()) throw new IllegalArgumentException("this update keeps no state, but the train state holds " + state.keySet());
    }
}
