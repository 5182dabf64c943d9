package org.semivim.gpu;

import org.semivim.engine.ops.Ops;

/**
 * {@link OpsParityCases} on the CPU emulation of the kernels ({@link EmulatedRuntime}): the CUDA ops'
 * Java code and the .cu sources themselves, checked without a GPU. What it cannot check: timing,
 * memory-model races the emulation serialises away, cuBLAS (the emulation runs the own GEMM kernel),
 * the JCuda transfer code. Skipped without g++.
 */
class EmulatedOpsParityTest extends OpsParityCases {
    private static Ops emulated;

    /** Fewer channels than on the GPU: the emulation starts a thread per CUDA thread. */
    @Override
    int[][] scanSizes() {
        return new int[][] {{1, 197, 3, 16}, {2, 23, 3, 5}};
    }

    @Override
    Ops ops() {
        if (emulated == null) emulated = CudaOps.create("emulated", EmulatedRuntime.shared());
        return emulated;
    }
}
