package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** The plain GEMM: three loops, double accumulation, one thread. The reference for {@link CpuGemm}. */
public final class ReferenceGemm implements GemmOps {

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape s = GemmShape.of(transA, transB, a, b, c);
        multiply(transA, transB, s.m(), s.n(), s.k(), alpha, a.data, a.offset, s.lda(), b.data, b.offset, s.ldb(),
                beta, c.data, c.offset, s.ldc());
    }

    @Override
    public void gemmBatched(int count, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape.checkBatched(count, transA, transB, m, n, k, a, b, c);
        int lda = transA ? m : k, ldb = transB ? k : n;
        for (int i = 0; i < count; i++) {
            multiply(transA, transB, m, n, k, alpha, a.data, a.offset + i * m * k, lda, b.data, b.offset + i * k * n, ldb,
                    beta, c.data, c.offset + i * m * n, n);
        }
    }

    static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * acc + (beta == 0f ? 0.0 : (double) beta * c[ci]));
            }
        }
    }
}
