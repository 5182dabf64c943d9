package org.semivim.engine.reference;

/**
 * Linear layers in double precision, the one transformer piece without another reference home
 * ({@link VitRef} takes LayerNorm from {@link NormRef}, GELU from {@link ActivationRef} and patch
 * extraction from {@link ConvRef}). Backward accumulates (+=) into the gradients it is given.
 */
public final class LinearRef {
    private LinearRef() {}

    /** y [R,out] = x [R,in] · wᵀ + b; w [out,in], b [out] (b may be null). */
    public static void linearForward(double[] x, double[] w, double[] b, double[] y, int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) acc += x[r * in + i] * w[o * in + i];
                y[r * out + o] = acc;
            }
        }
    }

    /** dw += dyᵀ·x, db += Σ_r dy, dx += dy·w (dx, db may be null). */
    public static void linearBackward(double[] x, double[] w, double[] dy, double[] dx, double[] dw, double[] db,
                                      int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double g = dy[r * out + o];
                if (db != null) db[o] += g;
                for (int i = 0; i < in; i++) {
                    dw[o * in + i] += g * x[r * in + i];
                    if (dx != null) dx[r * in + i] += g * w[o * in + i];
                }
            }
        }
    }
}
