package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.GradClip;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.tensor.Tensor;

import java.util.Map;

/**
 * Phase (6) of a step, what the LyapunovSupervisor does with the summed gradient:
 * <ol>
 *   <li>the global gradient norm (double, fixed chunk order), and clipping to {@code clip} when it is &gt; 0;</li>
 *   <li>a non-finite loss or gradient norm (NaN/Inf somewhere) skips the step: nothing is committed,
 *       the Adam moments do not move, and the record says so;</li>
 *   <li>the Adam direction u, ONCE (moments and step count advance here and only here);</li>
 *   <li>the method's {@link ParameterUpdate} with lr = schedule(t) (LyapEMA may still refuse to commit
 *       a non-finite candidate; the moments have moved then, as the LyapEMA rules allow).</li>
 * </ol>
 * Steps 1–2 run on the host (the summed gradient is a host array); 3–4 on the optimizer's
 * {@link UpdateBackend} (the host, or the device with the parameters resident).
 */
public final class UpdatePhase {

    /** What the update did: the gradient norm before clipping (NaN when not finite), skipped or not, the lr. */
    public record Outcome(double gradNorm, boolean skipped, double lr, Map<String, Object> methodFields) {}

    private final AdamWOptimizer optimizer;
    private final LrSchedule schedule;
    private final double clip;
    private final ParameterUpdate update;

    /** {@code clip}: max global norm, 0 for no clipping; the optimizer is the update's. */
    public UpdatePhase(LrSchedule schedule, double clip, ParameterUpdate update) {
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("clip must be finite and >= 0, got " + clip);
        this.optimizer = update.optimizer();
        this.schedule = schedule;
        this.clip = clip;
        this.update = update;
    }

    /** As above, for an update made with the engine's {@code adamW} on the host (it must be the update's). */
    public UpdatePhase(AdamW adamW, LrSchedule schedule, double clip, ParameterUpdate update) {
        this(schedule, clip, update);
        if (!(update.optimizer() instanceof HostUpdateBackend.HostAdamW h) || h.adamW != adamW) {
            throw new IllegalArgumentException("the update phase's AdamW must be the one its parameter update applies");
        }
    }

    /** Applies step {@code step}'s update for a loss {@code loss}; {@code gradient} [P] may be clipped in place. */
    public Outcome apply(long step, float[] gradient, double loss, float[] student, float[] teacher) {
        double lr = schedule.at(step);
        Tensor g = Tensor.wrap(gradient, gradient.length);
        double norm = clip > 0 ? GradClip.clip(g, clip) : GradClip.globalNorm(g);
        if (!Double.isFinite(norm)) return new Outcome(Double.NaN, true, lr, Map.of());
        if (!Double.isFinite(loss)) return new Outcome(norm, true, lr, Map.of());
        optimizer.updateMoments(gradient);
        ParameterUpdate.Applied applied = update.apply(student, teacher, lr, loss);
        return new Outcome(norm, !applied.committed(), lr, applied.fields());
    }

    /** The optimizer (its state goes into checkpoints). */
    public AdamWOptimizer optimizer() {
        return optimizer;
    }

    /** The method's update, for its state. */
    public ParameterUpdate parameterUpdate() {
        return update;
    }
}
