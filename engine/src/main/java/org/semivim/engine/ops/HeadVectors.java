package org.semivim.engine.ops;

/** The per-head vector kernels the CPU attention ops share (plain loops, in index order, so sums are reproducible). */
final class HeadVectors {
    private HeadVectors() {}

    /** Σ_d a[aOff + d] · b[bOff + d] over n elements, summed in float in index order. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int d = 0; d < n; d++) s += a[aOff + d] * b[bOff + d];
        return s;
    }

    /** y[yOff..] += alpha · x[xOff..] over n elements. */
    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int d = 0; d < n; d++) y[yOff + d] += alpha * x[xOff + d];
    }
}
