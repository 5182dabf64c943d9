package org.semivim.gpu;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;

/**
 * {@link OpsParityCases} on the CPU emulation of the kernels ({@link EmulatedRuntime}): the CUDA ops'
 * Java code and the .cu sources themselves, checked without a GPU. What it cannot check: timing,
 * memory-model races the emulation serialises away, cuBLAS (the emulation runs the own GEMM kernel),
 * the JCuda transfer code. Skipped without g++.
 */
class EmulatedOpsParityTest extends OpsParityCases {
    private static Ops emulated;

    /**
     * Fewer samples than on the GPU (the emulation starts a thread per CUDA thread): L = 197 in 8 forward
     * chunks of 25 (the last one 22 long) and 25 backward segments of 8 (the last one 5 long), N = 16;
     * E = 40 in two tiles of 32 (the second 8 channels wide) with N = 5 and L = 23 (forward chunks of 12,
     * the last 11; backward segments of 8, the last 7); L = 37 with a single channel and N = 16.
     */
    @Override
    int[][] scanSizes() {
        return new int[][] {{1, 197, 3, 16}, {2, 23, 40, 5}, {1, 37, 1, 16}};
    }

    /** The forward as one walk over the sequence (one chunk, what the plan picks for large grids) and in 5 chunks. */
    @org.junit.jupiter.api.Test
    void selectiveScanForwardInOneAndFiveChunks() {
        for (int chunks : new int[] {1, 5}) {
            CudaScanOps scan = new CudaScanOps(EmulatedRuntime.shared(), chunks);
            int nb = 2, l = 29, e = 35, n = 16;
            Tensor u = GpuTesting.random(60, 1, nb, l, e), dr = GpuTesting.random(61, 2, nb, l, e), bias = GpuTesting.random(62, 1, e);
            Tensor aLog = GpuTesting.random(63, 1, e, n), bm = GpuTesting.random(64, 1, nb, l, n), cm = GpuTesting.random(65, 1, nb, l, n);
            Tensor d = GpuTesting.random(66, 1, e), z = GpuTesting.random(67, 2, nb, l, e);
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor y0 = Tensor.zeros(nb, l, e), y1 = Tensor.zeros(nb, l, e), o0 = Tensor.zeros(nb, l, e), o1 = Tensor.zeros(nb, l, e);
                Ops.reference().scan().selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, reverse, y0, o0);
                scan.selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, reverse, y1, o1);
                GpuTesting.assertClose("scan y chunks=" + chunks + " reverse=" + reverse, y0, y1, 1e-4);
                GpuTesting.assertClose("scan out chunks=" + chunks + " reverse=" + reverse, o0, o1, 1e-4);
            }
        }
    }

    /**
     * The backward with other segment lengths (2, 6, 12 and 16; the default 8 runs in the shared cases) on
     * 3 samples × 2 tiles (6 warps: blocks with warps past the last), L = 29 (segments ending short) and
     * L = 1, N = 16 and N = 3, both directions, with and without the readout gradient.
     */
    @org.junit.jupiter.api.Test
    void selectiveScanBackwardSegmentLengths() {
        int[][] sizes = {{3, 29, 35, 16}, {2, 1, 33, 3}};
        for (int[] sz : sizes) {
            int nb = sz[0], l = sz[1], e = sz[2], n = sz[3];
            Tensor u = GpuTesting.random(70, 1, nb, l, e), dr = GpuTesting.random(71, 2, nb, l, e), bias = GpuTesting.random(72, 1, e);
            Tensor aLog = GpuTesting.random(73, 1, e, n), bm = GpuTesting.random(74, 1, nb, l, n), cm = GpuTesting.random(75, 1, nb, l, n);
            Tensor d = GpuTesting.random(76, 1, e), z = GpuTesting.random(77, 2, nb, l, e);
            Tensor dOut = GpuTesting.random(78, 1, nb, l, e), dRead = GpuTesting.random(79, 1, nb, l, e);
            for (boolean reverse : new boolean[] {false, true}) {
                for (Tensor readout : new Tensor[] {null, dRead}) {
                    Tensor[] g0 = grads(nb, l, e, n, 80);
                    Ops.reference().scan().selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z, reverse, dOut, readout,
                            g0[0], g0[1], g0[2], g0[3], g0[4], g0[5], g0[6], g0[7]);
                    for (int segment : new int[] {2, 6, 12, 16}) {
                        Tensor[] g1 = grads(nb, l, e, n, 80);
                        new CudaScanOps(EmulatedRuntime.shared(), 0, segment).selectiveScanBackward(u, dr, bias, aLog, bm, cm,
                                d, z, reverse, dOut, readout, g1[0], g1[1], g1[2], g1[3], g1[4], g1[5], g1[6], g1[7]);
                        assertScanGradients("segment=" + segment + " " + java.util.Arrays.toString(sz) + " reverse=" + reverse
                                + " readout=" + (readout != null), g0, g1);
                    }
                }
            }
        }
    }

    @Override
    KernelDevice device() {
        return EmulatedRuntime.shared();
    }

    @Override
    Ops ops() {
        if (emulated == null) emulated = CudaOps.create("emulated", EmulatedRuntime.shared());
        return emulated;
    }
}
