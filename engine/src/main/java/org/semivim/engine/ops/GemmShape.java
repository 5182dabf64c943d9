package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Checks and derives the M, N, K of a {@link GemmOps#gemm} call from its tensors. */
record GemmShape(int m, int n, int k, int lda, int ldb, int ldc) {

    static int rows(Tensor t) {
        int cols = cols(t);
        return cols == 0 ? 0 : t.size / cols;
    }

    static int cols(Tensor t) {
        return t.rank() == 0 ? 1 : t.dim(-1);
    }

    static GemmShape of(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        int ar = rows(a), ac = cols(a), br = rows(b), bc = cols(b);
        int m = transA ? ac : ar, ka = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (ka != kb) {
            throw new IllegalArgumentException("gemm: inner dimensions differ: op(a) is [" + m + "," + ka + "], op(b) is ["
                    + kb + "," + n + "] (a " + a + (transA ? "ᵀ" : "") + ", b " + b + (transB ? "ᵀ" : "") + ")");
        }
        if (rows(c) != m || cols(c) != n) {
            throw new IllegalArgumentException("gemm: c is " + c + " but op(a)·op(b) is [" + m + "," + n + "]");
        }
        return new GemmShape(m, n, ka, ac, bc, cols(c));
    }

    static void checkBatched(int count, boolean transA, boolean transB, int m, int n, int k, Tensor a, Tensor b, Tensor c) {
        if (count < 0 || m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemmBatched: negative size");
        if (a.size != count * m * k || b.size != count * k * n || c.size != count * m * n) {
            throw new IllegalArgumentException("gemmBatched: sizes " + a.size + ", " + b.size + ", " + c.size
                    + " do not hold " + count + " matrices of [" + m + "," + k + "]·[" + k + "," + n + "]");
        }
    }
}
