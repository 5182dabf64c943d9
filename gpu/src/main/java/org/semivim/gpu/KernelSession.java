package org.semivim.gpu;

import org.semivim.engine.tensor.Tensor;

/**
 * The device side of one op call, as the CUDA ops see it: device pointers for host tensors, kernel
 * launches and GEMMs, and results copied back when the session closes. Device pointers are opaque
 * objects. {@link DeviceRuntime#open} gives a {@link DeviceSession}: through JCuda on
 * {@link CudaBackend}, or, in the tests, on the CPU emulation of the same kernel sources
 * (EmulatedRuntime), so the ops' launch code (argument order, geometry) is tested without a GPU.
 */
interface KernelSession extends AutoCloseable {
    /** A device pointer to the values of {@code t}, read only. */
    Object in(Tensor t);

    /** A device buffer for an output the op overwrites entirely; copied into {@code t} on close. */
    Object out(Tensor t);

    /** A device copy of {@code t} that the op reads and updates (accumulated gradients); copied back on close. */
    Object inOut(Tensor t);

    /** A device copy of {@code bytes} (masks), read only. */
    Object in(byte[] bytes);

    /** A temporary device buffer of {@code floats} floats. */
    Object scratch(long floats);

    /** A temporary device buffer of {@code count} doubles. */
    Object scratchDoubles(long count);

    /** The doubles of {@code buffer} [count], filled in when the session closes. */
    double[] doublesAtClose(Object buffer, int count);

    /** {@code pointer} advanced by {@code floats} floats. */
    Object offset(Object pointer, long floats);

    /**
     * Launches {@code kernel}. Arguments: device pointers from this session, {@code null} for a null
     * pointer, Integer, Long, Float, Boolean (as int 0/1).
     */
    void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args);

    /** Row-major strided-batched SGEMM (see {@link CudaGemmEngine}); k ≥ 1. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
              Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch);

    @Override
    void close();

    /** The launches of the project's own SGEMM kernel for one strided-batched product (shared by every session). */
    static void ownGemm(KernelSession s, boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
                        Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch) {
        int gridX = (n + 63) / 64, gridY = (m + 63) / 64;
        for (int z0 = 0; z0 < batch; z0 += 65535) {
            int zs = Math.min(65535, batch - z0);
            s.launch("sgemm_tiled", gridX, gridY, zs, 16, 16, 0,
                    transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
                    s.offset(a, z0 * strideA), lda, strideA, s.offset(b, z0 * strideB), ldb, strideB,
                    beta, s.offset(c, z0 * strideC), ldc, strideC);
        }
    }
}
