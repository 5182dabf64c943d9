package org.semivim.engine.ops;

import dev.ludovic.netlib.blas.BLAS;
import org.semivim.engine.tensor.Tensor;

import java.util.logging.Logger;

/**
 * GEMM through netlib's BLAS (OpenBLAS over JNI when {@code libblas.so.3} is installed, else a
 * pure-Java BLAS). The work is split into tasks whose boundaries depend only on the problem shape,
 * each one single-threaded sgemm call, so the result does not depend on the number of threads:
 * <ul>
 * <li>Row split (the usual case): blocks of rows of C.</li>
 * <li>K split, when C has few rows but K is long (the weight gradients dW = dYᵀ·X, K = tokens):
 * row blocks of 3–8 rows run far below peak, so K is cut into fixed chunks, each chunk's product
 * goes to its own buffer, and C = β·C + α·(P₀ + P₁ + …) adds them in chunk order.</li>
 * </ul>
 */
public final class CpuGemm implements GemmOps {
    private static final Logger LOG = Logger.getLogger(CpuGemm.class.getName());
    private static final long WORK_PER_TASK = 1L << 21; // multiply-adds per task, at least
    private static final int MAX_TASKS = 32;
    /**
     * Products of more than MIN_LARGE_TASKS tasks get at least this much work per task (but keep
     * MIN_LARGE_TASKS tasks): every task is its own sgemm call, which packs op(B) again, and for the
     * ViM shapes (3200×256×128) 32 calls of 100 rows cost ~15 % more CPU than 12 of 267 rows.
     */
    private static final long WORK_PER_LARGE_TASK = 1L << 23;
    private static final int MIN_LARGE_TASKS = 8;
    /** Row split while every task can get this many rows; below it (and for long K) split K. */
    private static final int MIN_ROWS_PER_TASK = 64;
    private static final int MIN_K_SPLIT = 1024;
    private static final int MIN_K_PER_TASK = 256;
    private static final int MAX_K_TASKS = 4;
    /** Largest chunk product [M,N] (floats) whose buffer a thread keeps for the next split-K product. */
    private static final int MAX_REUSED_CHUNK = 1 << 20;
    private static final ThreadLocal<float[][]> CHUNK_BUFFERS = ThreadLocal.withInitial(() -> new float[MAX_K_TASKS][]);
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
        if (tasks > MIN_LARGE_TASKS) tasks = (int) Math.max(MIN_LARGE_TASKS, Math.min(tasks, work / WORK_PER_LARGE_TASK));
        if (tasks > 1 && tasks % 2 == 1 && tasks < m) tasks++;           // an even count balances on any even thread count
        if (tasks > 1 && m / tasks < MIN_ROWS_PER_TASK && k >= MIN_K_SPLIT) {
            gemmSplitK(transA, transB, alpha, a, b, beta, c, s, (int) Math.min(tasks, Math.min(MAX_K_TASKS, k / MIN_K_PER_TASK)));
            return;
        }
        int rowsPerTask = (m + tasks - 1) / tasks;
        int taskCount = Parallel.chunks(m, rowsPerTask);
        Parallel.forEach(taskCount, t -> {
            int r0 = t * rowsPerTask, rows = Math.min(rowsPerTask, m - r0);
            int aOff = a.offset + (transA ? r0 : r0 * s.lda());
            sgemmRowMajor(transA, transB, rows, n, k, alpha, a.data, aOff, s.lda(), b.data, b.offset, s.ldb(),
                    beta, c.data, c.offset + r0 * s.ldc(), s.ldc());
        });
    }

    /** C = β·C + α·Σ_chunks op(A)[:, chunk]·op(B)[chunk, :], the chunks' products summed in chunk order. */
    private void gemmSplitK(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c,
                            GemmShape s, int kTasks) {
        int m = s.m(), n = s.n(), k = s.k();
        int kPerTask = (k + kTasks - 1) / kTasks;
        int taskCount = Parallel.chunks(k, kPerTask);
        float[][] partial = chunkBuffers(taskCount, m * n);    // per chunk [M,N], written in full (β = 0)
        Parallel.forEach(taskCount, t -> {
            if (partial[t] == null) partial[t] = new float[m * n]; // allocated (zeroed) by the task: in parallel
            int k0 = t * kPerTask, kc = Math.min(kPerTask, k - k0);
            int aOff = a.offset + (transA ? k0 * s.lda() : k0);  // op(A) columns k0.. : rows of Aᵀ-stored A, or columns of A
            int bOff = b.offset + (transB ? k0 : k0 * s.ldb());  // op(B) rows k0.. : columns of Bᵀ-stored B, or rows of B
            sgemmRowMajor(transA, transB, m, n, kc, 1f, a.data, aOff, s.lda(), b.data, bOff, s.ldb(),
                    0f, partial[t], 0, n);
        });
        RowPartition rows = new RowPartition(m, n);
        Parallel.forEach(rows.tasks, t -> {
            float[] sum = new float[n];                        // [N] one row of P₀ + P₁ + …, in chunk order
            float[] cd = c.data;
            for (int r = rows.start(t); r < rows.end(t); r++) {
                System.arraycopy(partial[0], r * n, sum, 0, n);
                for (int p = 1; p < taskCount; p++) {
                    float[] pp = partial[p];
                    for (int j = 0, pi = r * n; j < n; j++, pi++) sum[j] += pp[pi];
                }
                int cb = c.offset + r * s.ldc();
                if (beta == 0f) for (int j = 0; j < n; j++) cd[cb + j] = alpha * sum[j];
                else for (int j = 0; j < n; j++) cd[cb + j] = beta * cd[cb + j] + alpha * sum[j];
            }
        });
    }

    /**
     * The calling thread's reusable chunk buffers when a chunk's [M,N] is at most
     * {@link #MAX_REUSED_CHUNK} floats (entries of at least {@code size} floats, or null where the
     * task must allocate one); for larger products new slots, filled by the tasks. Reusing them
     * makes the weight-gradient products of the ViM step 8–25 % faster on two threads (TN 256×128×3200:
     * ~190 → ~220 GFLOP/s): a new array's zero fill and first touch cost more than the product's writes
     * (docs/benchmarks-engine.md, sixth round). sgemm with β = 0 overwrites every element, so a
     * reused buffer's old contents never matter. A thread runs one split-K product at a time (its
     * tasks call only sgemm), so the buffers are never shared.
     */
    private static float[][] chunkBuffers(int count, int size) {
        if (size > MAX_REUSED_CHUNK) return new float[count][];
        float[][] mine = CHUNK_BUFFERS.get();
        for (int t = 0; t < count; t++) {
            if (mine[t] != null && mine[t].length < size) mine[t] = null;
        }
        return mine;
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
