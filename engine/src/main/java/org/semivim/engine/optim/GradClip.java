package org.semivim.engine.optim;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * Clipping by the global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_: if the norm
 * exceeds {@code maxNorm}, every gradient is multiplied by {@code maxNorm / (norm + 1e-6)}.
 *
 * <p>The norm is a sum of squares in double over fixed chunks of the flat gradient, the chunk sums
 * added in chunk order: the same bits for any thread count.
 *
 * <p>Non-finite gradients: if the norm is NaN or infinite (some gradient is NaN or ±Inf), the
 * gradients are left untouched and {@link Double#NaN} is returned, so a caller checks
 * {@code Double.isNaN(norm)} and skips the step instead of applying a NaN update (torch would
 * scale every gradient to NaN or 0 here).
 */
public final class GradClip {
    /** torch's epsilon in the clip coefficient. */
    public static final double EPS = 1e-6;
    private static final int CHUNK = 1 << 16;

    private GradClip() {}

    /** Clips the set's gradients; returns the norm before clipping, or NaN when it is not finite. */
    public static double clip(ParameterSet params, double maxNorm) {
        return clip(params.flatGrads(), maxNorm);
    }

    /** Clips {@code grads} (any shape, seen flat); returns the norm before clipping, or NaN when it is not finite. */
    public static double clip(Tensor grads, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("max gradient norm must be finite and > 0, got " + maxNorm);
        }
        double norm = globalNorm(grads);
        if (!Double.isFinite(norm)) return Double.NaN;
        double coefficient = maxNorm / (norm + EPS);
        if (coefficient < 1) {
            float scale = (float) coefficient;
            float[] g = grads.data;
            int base = grads.offset, n = grads.size;
            Parallel.forEach(Parallel.chunks(n, CHUNK), c -> {
                int end = Math.min(n, (c + 1) * CHUNK);
                for (int i = c * CHUNK; i < end; i++) g[base + i] *= scale;
            });
        }
        return norm;
    }

    /** The L2 norm of all elements of {@code grads}, summed in double in a fixed order. */
    public static double globalNorm(Tensor grads) {
        float[] g = grads.data;
        int base = grads.offset, n = grads.size;
        int chunks = Parallel.chunks(n, CHUNK);
        double[] partial = new double[chunks];     // [chunks] sum of squares per chunk
        Parallel.forEach(chunks, c -> {
            int end = Math.min(n, (c + 1) * CHUNK);
            double s = 0;
            for (int i = c * CHUNK; i < end; i++) {
                double x = g[base + i];
                s += x * x;
            }
            partial[c] = s;
        });
        double sum = 0;
        for (double s : partial) sum += s;
        return Math.sqrt(sum);
    }
}
