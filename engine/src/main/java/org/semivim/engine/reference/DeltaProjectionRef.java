package org.semivim.engine.reference;

/**
 * dt_proj without its bias as the projected scan sees it (vim-spec.md §4; {@code ScanOps#selectiveScanForwardProjected}),
 * in double: Δraw = dtr·W_dtᵀ with dtr [rows, R], W_dt [E, R], Δraw [rows, E] (rows = B·L), and its backward.
 */
public final class DeltaProjectionRef {
    private DeltaProjectionRef() {}

    /** Δraw [rows, E] = dtr [rows, R] · wᵀ, w [E, R]. */
    public static double[] project(double[] dtr, double[] w, int rows, int channels, int rank) {
        double[] out = new double[rows * channels];
        for (int i = 0; i < rows; i++) {
            for (int e = 0; e < channels; e++) {
                double acc = 0;
                for (int r = 0; r < rank; r++) acc += dtr[i * rank + r] * w[e * rank + r];
                out[i * channels + e] = acc;
            }
        }
        return out;
    }

    /** Given g = ∂L/∂Δraw [rows, E]: ACCUMULATES dDtr [rows, R] += g·w and dW [E, R] += gᵀ·dtr. */
    public static void backward(double[] g, double[] dtr, double[] w, int rows, int channels, int rank,
                                double[] dDtr, double[] dW) {
        for (int i = 0; i < rows; i++) {
            for (int e = 0; e < channels; e++) {
                double gi = g[i * channels + e];
                for (int r = 0; r < rank; r++) {
                    dDtr[i * rank + r] += gi * w[e * rank + r];
                    dW[e * rank + r] += gi * dtr[i * rank + r];
                }
            }
        }
    }
}
