package org.semivim.gpu;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;

/**
 * Row-major strided-batched SGEMM on device pointers: cuBLAS when libcublas.so.12 loads (it is the
 * fastest SGEMM available and JCuda ships its binding), else the project's tiled kernel
 * ({@code gemm.cu}). {@code -Dsemivim.gpu.gemm=own} forces the kernel, {@code =cublas} requires
 * cuBLAS. For every z < batch: C_z = alpha·op(A_z)·op(B_z) + beta·C_z with A_z = A + z·strideA (floats).
 */
final class CudaGemmEngine implements AutoCloseable {
    private final cublasHandle handle;   // null: own kernel
    private final String description;

    private CudaGemmEngine(cublasHandle handle, String description) {
        this.handle = handle;
        this.description = description;
    }

    static CudaGemmEngine create(String choice) {
        if (!choice.equals("auto") && !choice.equals("own") && !choice.equals("cublas")) {
            throw new IllegalArgumentException("semivim.gpu.gemm must be auto, own or cublas, got '" + choice + "'");
        }
        if (choice.equals("own")) return new CudaGemmEngine(null, "own tiled kernel (forced)");
        try {
            JCublas2.setExceptionsEnabled(true);
            cublasHandle h = new cublasHandle();
            JCublas2.cublasCreate(h);
            return new CudaGemmEngine(h, "cuBLAS");
        } catch (Throwable t) {
            if (choice.equals("cublas")) throw new IllegalStateException("semivim.gpu.gemm=cublas but cuBLAS does not load: " + t, t);
            return new CudaGemmEngine(null, "own tiled kernel (cuBLAS unavailable: " + CudaProbe.reason(t) + ")");
        }
    }

    String description() {
        return description;
    }

    boolean usesCublas() {
        return handle != null;
    }

    /** Row-major batched product with cuBLAS; lda/ldb/ldc are the row strides (in floats) of the stored matrices; k ≥ 1. */
    void cublas(boolean transA, boolean transB, int m, int n, int k, float alpha,
                Pointer a, int lda, long strideA, Pointer b, int ldb, long strideB,
                float beta, Pointer c, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) return;
        if (k == 0) throw new IllegalArgumentException("device gemm with k = 0 (the caller scales C on the host)");
        // row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        Pointer pa = Pointer.to(new float[] {alpha}), pb = Pointer.to(new float[] {beta});
        if (batch == 1) {
            JCublas2.cublasSgemm(handle, opB, opA, n, m, k, pa, b, ldb, a, lda, pb, c, ldc);
        } else {
            JCublas2.cublasSgemmStridedBatched(handle, opB, opA, n, m, k, pa, b, ldb, strideB, a, lda, strideA, pb, c, ldc, strideC, batch);
        }
    }

    @Override
    public void close() {
        if (handle != null) JCublas2.cublasDestroy(handle);
    }
}
