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
 */
public final class UpdatePhase {

    /** What the update did: the gradient norm before clipping (NaN when not finite), skipped or not, the lr. */
    public record Outcome(double gradNorm, boolean skipped, double lr, Map<String, Object> methodFields) {}

    private final AdamW adamW;
    private final LrSchedule schedule;
    private final double clip;
    private final ParameterUpdate update;
    private final float[] direction;   // [P] scratch for u

    /** {@code clip}: max global norm, 0 for no clipping. */
    public UpdatePhase(AdamW adamW, LrSchedule schedule, double clip, ParameterUpdate update) {
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("clip must be finite and >= 0, got " + clip);
        this.adamW = adamW;
        this.schedule = schedule;
        this.clip = clip;
        this.update = update;
        this.direction = new float[adamW.parameters().count()];
    }

    /** Applies step {@code step}'s update for a loss {@code loss}; {@code gradient} [P] may be clipped in place. */
    public Outcome apply(long step, float[] gradient, double loss, float[] student, float[] teacher) {
        double lr = schedule.at(step);
        Tensor g = Tensor.wrap(gradient, gradient.length);
        double norm = clip > 0 ? GradClip.clip(g, clip) : GradClip.globalNorm(g);
        if (!Double.isFinite(norm)) return new Outcome(Double.NaN, true, lr, Map.of());
        if (!Double.isFinite(loss)) return new Outcome(norm, true, lr, Map.of());
        adamW.updateMoments(gradient, direction);
        ParameterUpdate.Applied applied = update.apply(student, teacher, direction, lr, loss);
        return new Outcome(norm, !applied.committed(), lr, applied.fields());
    }

    public AdamW adamW() {
        return adamW;
    }

    /** The method's update, for its state. */
    public ParameterUpdate parameterUpdate() {
        return update;
    }
}
