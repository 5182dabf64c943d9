package org.semivim.engine.ops;

import dev.ludovic.netlib.blas.BLAS;
import org.semivim.engine.tensor.Tensor;

import java.util.logging.Logger;

/**
 * GEMM through netlib's BLAS (OpenBLAS over JNI when {@code libblas.so.3} is installed, else a
 * pure-Java BLAS). The rows of C are split into blocks whose size depends only on the problem
 * shape; each block is one single-threaded sgemm call, so the result does not depend on the
 * number of threads.
 */
public final class CpuGemm implements GemmOps {
    private static final Logger LOG = Logger.getLogger(CpuGemm.class.getName());
    private static final long WORK_PER_TASK = 1L << 21; // multiply-adds per task, at least
    private static final int MAX_TASKS = 32;
    private final BLAS blas;

    public CpuGemm() {
        this.blas = BLAS.getInstance();
        LOG.fine(() -> "semivim GEMM uses " + blas.getClass().getName());
    }

    /** The BLAS implementation netlib picked (e.g. JNIBLAS, VectorBLAS, Java11BLAS). */
    public String implementation() {
        return blas.getClass().getSimpleName();
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape s = GemmShape.of(transA, transB, a, b, c);
        int m = s.m(), n = s.n(), k = s.k();
        if (m == 0 || n == 0) return;
        long work = (long) m * n * Math.max(k, 1);
        int tasks = (int) Math.max(1, Math.min(Math.min(MAX_TASKS, m), work / WORK_PER_TASK));
        int rowsPerTask = (m + tasks - 1) / tasks;
        int taskCount = Parallel.chunks(m, rowsPerTask);
        Parallel.forEach(taskCount, t -> {
            int r0 = t * rowsPerTask, rows = Math.min(rowsPerTask, m - r0);
            int aOff = a.offset + (transA ? r0 : r0 * s.lda());
            sgemmRowMajor(transA, transB, rows, n, k, alpha, a.data, aOff, s.lda(), b.data, b.offset, s.ldb(),
                    beta, c.data, c.offset + r0 * s.ldc(), s.ldc());
        });
    }

    @Override
    public void gemmBatched(int count, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape.checkBatched(count, transA, transB, m, n, k, a, b, c);
        if (m == 0 || n == 0) return;
        int lda = transA ? m : k, ldb = transB ? k : n;
        Parallel.forEach(count, i -> sgemmRowMajor(transA, transB, m, n, k, alpha,
                a.data, a.offset + i * m * k, lda, b.data, b.offset + i * k * n, ldb,
                beta, c.data, c.offset + i * m * n, n));
    }

    /** Row-major C = alpha·op(A)·op(B) + beta·C as the column-major product Cᵀ = op(B)ᵀ·op(A)ᵀ. */
    private void sgemmRowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        if (k == 0) {
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = beta == 0f ? 0f : beta * c[cOff + i * ldc + j];
            return;
        }
        blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                b, bOff, Math.max(1, ldb), a, aOff, Math.max(1, lda), beta, c, cOff, Math.max(1, ldc));
    }
}
