package org.semivim.gpu;

import org.semivim.engine.ops.GemmOps;
import org.semivim.engine.tensor.Tensor;

/** {@link GemmOps} on the device through {@link CudaGemmEngine} (cuBLAS or the own kernel). */
final class CudaGemmOps implements GemmOps {
    private final KernelDevice device;

    CudaGemmOps(KernelDevice device) {
        this.device = device;
    }

    static int cols(Tensor t) {
        return t.rank() == 0 ? 1 : t.dim(-1);
    }

    static int rows(Tensor t) {
        int c = cols(t);
        return c == 0 ? 0 : t.size / c;
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        int ar = rows(a), ac = cols(a), br = rows(b), bc = cols(b);
        int m = transA ? ac : ar, ka = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (ka != kb) {
            throw new IllegalArgumentException("gemm: inner dimensions differ: op(a) is [" + m + "," + ka + "], op(b) is ["
                    + kb + "," + n + "] (a " + a + (transA ? "ᵀ" : "") + ", b " + b + (transB ? "ᵀ" : "") + ")");
        }
        if (rows(c) != m || cols(c) != n) throw new IllegalArgumentException("gemm: c is " + c + " but op(a)·op(b) is [" + m + "," + n + "]");
        run(transA, transB, m, n, ka, alpha, a, ac, b, bc, beta, c, 1);
    }

    @Override
    public void gemmBatched(int count, boolean transA, boolean transB, int m, int n, int k,
                            float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (count < 0 || m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemmBatched: negative size");
        if ((long) a.size != (long) count * m * k || (long) b.size != (long) count * k * n || (long) c.size != (long) count * m * n) {
            throw new IllegalArgumentException("gemmBatched: sizes " + a.size + ", " + b.size + ", " + c.size
                    + " do not hold " + count + " matrices of [" + m + "," + k + "]·[" + k + "," + n + "]");
        }
        run(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, count);
    }

    private void run(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int lda, Tensor b, int ldb,
                     float beta, Tensor c, int count) {
        if (c.size == 0) return;
        if (k == 0) {                        // nothing to multiply: C = beta·C (BLAS semantics, no device work)
            for (int i = 0; i < c.size; i++) c.data[c.offset + i] = beta == 0f ? 0f : beta * c.data[c.offset + i];
            return;
        }
        try (KernelSession s = device.open()) {
            Object pa = s.in(a), pb = s.in(b);
            Object pc = beta == 0f ? s.out(c) : s.inOut(c);
            s.gemm(transA, transB, m, n, k, alpha, pa, lda, (long) m * k, pb, ldb, (long) k * n,
                    beta, pc, n, (long) m * n, count);
        }
    }
}
