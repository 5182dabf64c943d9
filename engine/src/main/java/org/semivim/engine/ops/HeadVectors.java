package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The per-head vector kernels the CPU attention ops share (plain loops, in index order, so sums are
 * reproducible), and the copies of one head between a token tensor laid out (B, L, parts, H, dh) —
 * parts = 1 for q, out and dout [B,L,D], 2 for kv [B,L,2·D], 3 for qkv [B,L,3·D] — and a contiguous
 * [L,dh] buffer.
 */
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

    /** Part {@code part} of head h of sample b of t (B, len, parts, dim/dh, dh) as a contiguous [len,dh] buffer. */
    static float[] gather(Tensor t, int len, int parts, int dim, int dh, int b, int part, int h) {
        float[] buf = new float[len * dh];
        for (int i = 0; i < len; i++) {
            System.arraycopy(t.data, t.offset + ((b * len + i) * parts + part) * dim + h * dh, buf, i * dh, dh);
        }
        return buf;
    }

    /** Adds a [len,dh] buffer into part {@code part} of head h of sample b of t (B, len, parts, dim/dh, dh). */
    static void scatterAdd(float[] buf, Tensor t, int len, int parts, int dim, int dh, int b, int part, int h) {
        for (int i = 0; i < len; i++) {
            int base = t.offset + ((b * len + i) * parts + part) * dim + h * dh;
            for (int d = 0; d < dh; d++) t.data[base + d] += buf[i * dh + d];
        }
    }
}
