package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The MAE reconstruction loss (ssl-spec.md §2.9): the per-patch mean squared error, averaged over the
 * patches the mask selects: loss = Σ_r m_r · mean_p (pred − t)² / Σ_r m_r (0 when no patch counts).
 * With {@code normPixTarget} each target patch is first normalised by its own mean and variance,
 * (t − μ)/sqrt(var + 1e-6), with the unbiased variance as MAE's {@code target.var(dim=-1)}.
 */
public final class MaskedMseLoss {
    /** MAE's epsilon under the square root of the norm_pix normalisation. */
    public static final double NORM_PIX_EPS = 1e-6;

    /** The loss value and its gradient dpred (shape of pred). */
    public record Result(double loss, Tensor dpred) {}

    private final Ops ops;
    private final boolean normPixTarget;

    public MaskedMseLoss(Ops ops, boolean normPixTarget) {
        this.ops = ops;
        this.normPixTarget = normPixTarget;
    }

    public boolean normPixTarget() { return normPixTarget; }

    /** pred, target [..., P] (e.g. [N, L, p²c]); mask with one entry per patch (e.g. [N, L]), 1 = counts. */
    public Result forward(Tensor pred, Tensor target, Tensor mask) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new IllegalArgumentException("MaskedMseLoss target: expected the shape of pred " + Arrays.toString(pred.shape())
                    + " but got " + Arrays.toString(target.shape()));
        }
        Tensor t = normPixTarget ? normalizePatches(target) : target;
        Tensor dpred = Tensor.zeros(pred.shape());
        double loss = ops.loss().maskedMse(pred, t, mask, dpred);
        return new Result(loss, dpred);
    }

    /** A new tensor with each row (patch) of {@code target} [..., P] replaced by (t − μ)/sqrt(var + 1e-6); sums in double. */
    public static Tensor normalizePatches(Tensor target) {
        int width = target.rank() == 0 ? 0 : target.dim(-1);
        if (width < 2) {
            throw new IllegalArgumentException("norm_pix target " + target + " needs at least 2 values per patch");
        }
        Tensor out = Tensor.zeros(target.shape());
        int rows = target.size / width;
        for (int r = 0; r < rows; r++) {
            int in = target.offset + r * width, o = r * width;
            double sum = 0;
            for (int p = 0; p < width; p++) sum += target.data[in + p];
            double mu = sum / width;
            double sumSq = 0;
            for (int p = 0; p < width; p++) {
                double c = target.data[in + p] - mu;
                sumSq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sumSq / (width - 1) + NORM_PIX_EPS);
            for (int p = 0; p < width; p++) out.data[o + p] = (float) ((target.data[in + p] - mu) * inv);
        }
        return out;
    }
}
