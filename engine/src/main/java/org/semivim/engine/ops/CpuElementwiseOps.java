package org.semivim.engine.ops;

import org.semivim.engine.math.ErrorFunction;
import org.semivim.engine.tensor.Tensor;

/**
 * The fast activation backend: float arithmetic with {@code Math.exp}/{@code Math.log1p}, split into
 * fixed-size chunks of elements (each element is independent, so any split gives the same bits).
 * GELU evaluates the normal CDF in double through {@link ErrorFunction}, the same erf as the
 * reference, and rounds once.
 */
public final class CpuElementwiseOps implements ElementwiseOps {
    private static final int CHUNK = 1 << 15;
    private static final float SOFTPLUS_THRESHOLD = 20f;
    private static final double INV_SQRT_2PI = 0.39894228040143267794;

    /** A loop over elements [start, end) of flat indices. */
    private interface Range {
        void run(int start, int end);
    }

    private static void forChunks(int n, Range body) {
        Parallel.forEach(Parallel.chunks(n, CHUNK), c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
    }

    @Override
    public void siluForward(Tensor x, Tensor y) {
        OpChecks.pointwise("siluForward", x, y);
        float[] xs = x.data, ys = y.data;
        int xo = x.offset, yo = y.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                float v = xs[xo + i];
                ys[yo + i] = v / (1f + (float) Math.exp(-v));
            }
        });
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("siluBackward", x, dy, dx);
        float[] xs = x.data, gy = dy.data, gx = dx.data;
        int xo = x.offset, gyo = dy.offset, gxo = dx.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                // slope in double: 1 − σ(v) from a float σ would lose all its digits for v ≳ 10
                double v = xs[xo + i];
                double s = 1.0 / (1.0 + Math.exp(-v));
                gx[gxo + i] += gy[gyo + i] * (float) (s * (1.0 + v * (1.0 - s)));
            }
        });
    }

    @Override
    public void geluForward(Tensor x, Tensor y) {
        OpChecks.pointwise("geluForward", x, y);
        float[] xs = x.data, ys = y.data;
        int xo = x.offset, yo = y.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                double v = xs[xo + i];
                ys[yo + i] = (float) (v * ErrorFunction.normalCdf(v));
            }
        });
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("geluBackward", x, dy, dx);
        float[] xs = x.data, gy = dy.data, gx = dx.data;
        int xo = x.offset, gyo = dy.offset, gxo = dx.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                double v = xs[xo + i];
                float slope = (float) (ErrorFunction.normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
                gx[gxo + i] += gy[gyo + i] * slope;
            }
        });
    }

    @Override
    public void softplusForward(Tensor x, Tensor y) {
        OpChecks.pointwise("softplusForward", x, y);
        float[] xs = x.data, ys = y.data;
        int xo = x.offset, yo = y.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                float v = xs[xo + i];
                ys[yo + i] = v > SOFTPLUS_THRESHOLD ? v : (float) Math.log1p(Math.exp(v));
            }
        });
    }

    @Override
    public void softplusBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("softplusBackward", x, dy, dx);
        float[] xs = x.data, gy = dy.data, gx = dx.data;
        int xo = x.offset, gyo = dy.offset, gxo = dx.offset;
        forChunks(x.size, (start, end) -> {
            for (int i = start; i < end; i++) {
                float v = xs[xo + i];
                float slope = v > SOFTPLUS_THRESHOLD ? 1f : 1f / (1f + (float) Math.exp(-v));
                gx[gxo + i] += gy[gyo + i] * slope;
            }
        });
    }
}
