package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.semivim.gpu.GpuTesting.assertClose;
import static org.semivim.gpu.GpuTesting.random;

/**
 * Every CUDA op ({@link #ops()}: on a GPU, or the kernels emulated on the CPU) against the reference
 * backend ({@code Ops.reference()}, double precision) on odd sizes (not multiples of the tiles),
 * backward gradients starting from non-zero values so that accumulation is checked. Tolerances
 * (error over the tensor's scale): 1e-5 pointwise, norms, conv and patches; 1e-4 GEMM, attention and the scan
 * forward; 1e-3 the scan backward (long float sums in another order, atomics across channels);
 * losses 1e-6 relative.
 * {@link CudaOpsParityTest} runs them on a GPU (skipped without one), {@code EmulatedOpsParityTest}
 * on the CPU emulation of the kernels (skipped without g++).
 */
abstract class OpsParityCases {
    private final Ops cpu = Ops.reference();   // the double-precision reference backend
    private Ops cuda;

    /** The ops under test. */
    abstract Ops ops();

    /** The kernel device behind {@link #ops()}: the scan kernels run on it with the segment lengths the cases give. */
    abstract KernelDevice device();

    /** Scan sizes {B, L, E, N}: L = 197 (vim at 224) spans many chunks; N = 5 has padded lanes. */
    int[][] scanSizes() {
        return new int[][] {{2, 197, 24, 16}, {3, 23, 7, 5}};
    }

    @org.junit.jupiter.api.BeforeEach
    void bind() {
        cuda = ops();
    }

    @Test
    void gemmAllTranspositionsAndBatched() {
        int m = 67, n = 45, k = 131;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Tensor a = ta ? random(1, 1, k, m) : random(1, 1, m, k);
                Tensor b = tb ? random(2, 1, n, k) : random(2, 1, k, n);
                Tensor c0 = random(3, 1, m, n), c1 = c0.copy();
                cpu.gemm().gemm(ta, tb, 0.7f, a, b, 0.3f, c0);
                cuda.gemm().gemm(ta, tb, 0.7f, a, b, 0.3f, c1);
                assertClose("gemm ta=" + ta + " tb=" + tb, c0, c1, 1e-4);
                Tensor d0 = Tensor.zeros(m, n), d1 = random(9, 1, m, n);   // beta = 0 must ignore the old contents
                d1.data[0] = Float.NaN;
                cpu.gemm().gemm(ta, tb, 1f, a, b, 0f, d0);
                cuda.gemm().gemm(ta, tb, 1f, a, b, 0f, d1);
                assertClose("gemm beta=0", d0, d1, 1e-4);
            }
        }
        Tensor a = random(4, 1, 5, 17, 9), b = random(5, 1, 5, 9, 13), c0 = random(6, 1, 5, 17, 13), c1 = c0.copy();
        cpu.gemm().gemmBatched(5, false, false, 17, 13, 9, 1f, a, b, 1f, c0);
        cuda.gemm().gemmBatched(5, false, false, 17, 13, 9, 1f, a, b, 1f, c1);
        assertClose("gemmBatched", c0, c1, 1e-4);
    }

    @Test
    void activations() {
        Tensor x = random(7, 30, 1001);
        x.data[0] = 25f;   // above the softplus threshold
        for (String act : new String[] {"silu", "gelu", "softplus"}) {
            Tensor y0 = Tensor.zeros(1001), y1 = Tensor.zeros(1001), dy = random(8, 1, 1001);
            Tensor dx0 = random(9, 1, 1001), dx1 = dx0.copy();
            switch (act) {
                case "silu" -> { cpu.elementwise().siluForward(x, y0); cuda.elementwise().siluForward(x, y1);
                    cpu.elementwise().siluBackward(x, dy, dx0); cuda.elementwise().siluBackward(x, dy, dx1); }
                case "gelu" -> { cpu.elementwise().geluForward(x, y0); cuda.elementwise().geluForward(x, y1);
                    cpu.elementwise().geluBackward(x, dy, dx0); cuda.elementwise().geluBackward(x, dy, dx1); }
                default -> { cpu.elementwise().softplusForward(x, y0); cuda.elementwise().softplusForward(x, y1);
                    cpu.elementwise().softplusBackward(x, dy, dx0); cuda.elementwise().softplusBackward(x, dy, dx1); }
            }
            assertClose(act + " forward", y0, y1, 1e-5);
            assertClose(act + " backward", dx0, dx1, 1e-5);
        }
    }

    @Test
    void norms() {
        int r = 133, d = 97;
        Tensor x = random(10, 2, r, d), w = random(11, 1, d), b = random(12, 1, d), dy = random(13, 1, r, d);
        Tensor y0 = Tensor.zeros(r, d), y1 = Tensor.zeros(r, d), rs0 = Tensor.zeros(r), rs1 = Tensor.zeros(r);
        cpu.norm().rmsNormForward(x, w, 1e-5f, y0, rs0);
        cuda.norm().rmsNormForward(x, w, 1e-5f, y1, rs1);
        assertClose("rmsnorm y", y0, y1, 1e-5);
        assertClose("rmsnorm rstd", rs0, rs1, 1e-5);
        Tensor dx0 = random(14, 1, r, d), dx1 = dx0.copy(), dw0 = random(15, 1, d), dw1 = dw0.copy();
        cpu.norm().rmsNormBackward(x, w, rs0, dy, dx0, dw0);
        cuda.norm().rmsNormBackward(x, w, rs0, dy, dx1, dw1);
        assertClose("rmsnorm dx", dx0, dx1, 1e-5);
        assertClose("rmsnorm dw", dw0, dw1, 1e-5);
        Tensor mu0 = Tensor.zeros(r), mu1 = Tensor.zeros(r);
        cpu.norm().layerNormForward(x, w, b, 1e-6f, y0, mu0, rs0);
        cuda.norm().layerNormForward(x, w, b, 1e-6f, y1, mu1, rs1);
        assertClose("layernorm y", y0, y1, 1e-5);
        assertClose("layernorm mean", mu0, mu1, 1e-5);
        Tensor db0 = random(16, 1, d), db1 = db0.copy();
        cpu.norm().layerNormBackward(x, w, mu0, rs0, dy, dx0, dw0, db0);
        cuda.norm().layerNormBackward(x, w, mu0, rs0, dy, dx1, dw1, db1);
        assertClose("layernorm dx", dx0, dx1, 1e-5);
        assertClose("layernorm dw", dw0, dw1, 1e-5);
        assertClose("layernorm db", db0, db1, 1e-5);
    }

    @Test
    void depthwiseConvBothDirectionsAndPatches() {
        int nb = 3, l = 37, e = 29, k = 4;
        Tensor x = random(20, 1, nb, l, e), w = random(21, 1, e, k), b = random(22, 1, e), dout = random(23, 1, nb, l, e);
        for (boolean reverse : new boolean[] {false, true}) {
            Tensor o0 = Tensor.zeros(nb, l, e), o1 = Tensor.zeros(nb, l, e);
            cpu.conv().depthwiseConv1dForward(x, w, b, reverse, o0);
            cuda.conv().depthwiseConv1dForward(x, w, b, reverse, o1);
            assertClose("conv forward reverse=" + reverse, o0, o1, 1e-5);
            Tensor dx0 = random(24, 1, nb, l, e), dx1 = dx0.copy(), dw0 = random(25, 1, e, k), dw1 = dw0.copy();
            Tensor db0 = random(26, 1, e), db1 = db0.copy();
            cpu.conv().depthwiseConv1dBackward(x, w, reverse, dout, dx0, dw0, db0);
            cuda.conv().depthwiseConv1dBackward(x, w, reverse, dout, dx1, dw1, db1);
            assertClose("conv dx", dx0, dx1, 1e-5);
            assertClose("conv dw", dw0, dw1, 1e-5);
            assertClose("conv db", db0, db1, 1e-5);
        }
        for (int stride : new int[] {4, 3}) {       // 3: overlapping patches
            Tensor img = random(27, 1, 2, 3, 14, 14);
            int g = (14 - 4) / stride + 1;
            Tensor p0 = Tensor.zeros(2, g * g, 48), p1 = Tensor.zeros(2, g * g, 48);
            cpu.conv().patchify(img, 4, stride, p0);
            cuda.conv().patchify(img, 4, stride, p1);
            assertClose("patchify", p0, p1, 0);
            Tensor di0 = random(28, 1, 2, 3, 14, 14), di1 = di0.copy();
            cpu.conv().unpatchifyAccumulate(p0, 4, stride, di0);
            cuda.conv().unpatchifyAccumulate(p0, 4, stride, di1);
            assertClose("unpatchify", di0, di1, 1e-6);
        }
    }

    /** The forward (the plan's chunks) and the backward (the default segment length) against the reference. */
    @Test
    void selectiveScanForwardAndBackwardBothDirections() {
        for (int[] sz : scanSizes()) {
            int nb = sz[0], l = sz[1], e = sz[2], n = sz[3];
            Tensor u = random(30, 1, nb, l, e), dr = random(31, 2, nb, l, e), bias = random(32, 1, e), aLog = random(33, 1, e, n);
            Tensor bm = random(34, 1, nb, l, n), cm = random(35, 1, nb, l, n), d = random(36, 1, e), z = random(37, 2, nb, l, e);
            Tensor dOut = random(38, 1, nb, l, e), dRead = random(39, 1, nb, l, e);
            String shape = " B=" + nb + " L=" + l + " E=" + e + " N=" + n;
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor y0 = Tensor.zeros(nb, l, e), o0 = Tensor.zeros(nb, l, e);
                cpu.scan().selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, reverse, y0, o0);
                Tensor y1 = Tensor.zeros(nb, l, e), o1 = Tensor.zeros(nb, l, e);
                new CudaScanOps(device(), 0, ScanPlan.DEFAULT_SEGMENT).selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, reverse, y1, o1);
                assertClose("scan y forward" + shape + " reverse=" + reverse, y0, y1, 1e-4);
                assertClose("scan out forward" + shape + " reverse=" + reverse, o0, o1, 1e-4);
                for (Tensor readout : new Tensor[] {null, dRead}) {
                    Tensor[] g0 = grads(nb, l, e, n, 40);
                    cpu.scan().selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z, reverse, dOut, readout,
                            g0[0], g0[1], g0[2], g0[3], g0[4], g0[5], g0[6], g0[7]);
                    Tensor[] g1 = grads(nb, l, e, n, 40);
                    new CudaScanOps(device(), 0, ScanPlan.DEFAULT_SEGMENT).selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z,
                            reverse, dOut, readout, g1[0], g1[1], g1[2], g1[3], g1[4], g1[5], g1[6], g1[7]);
                    assertScanGradients("backward" + shape + " reverse=" + reverse + " readout=" + (readout != null), g0, g1);
                }
            }
        }
    }

    /** The ops' own scan (the kernels the system properties choose) against the reference. */
    @Test
    void selectiveScanThroughTheOps() {
        int nb = 2, l = 23, e = 7, n = 5;
        Tensor u = random(90, 1, nb, l, e), dr = random(91, 2, nb, l, e), bias = random(92, 1, e), aLog = random(93, 1, e, n);
        Tensor bm = random(94, 1, nb, l, n), cm = random(95, 1, nb, l, n), d = random(96, 1, e), z = random(97, 2, nb, l, e);
        Tensor dOut = random(98, 1, nb, l, e);
        Tensor y0 = Tensor.zeros(nb, l, e), y1 = Tensor.zeros(nb, l, e), o0 = Tensor.zeros(nb, l, e), o1 = Tensor.zeros(nb, l, e);
        cpu.scan().selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, false, y0, o0);
        cuda.scan().selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, false, y1, o1);
        assertClose("scan out (ops)", o0, o1, 1e-4);
        Tensor[] g0 = grads(nb, l, e, n, 99), g1 = grads(nb, l, e, n, 99);
        cpu.scan().selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, g0[0], g0[1], g0[2], g0[3], g0[4], g0[5], g0[6], g0[7]);
        cuda.scan().selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, g1[0], g1[1], g1[2], g1[3], g1[4], g1[5], g1[6], g1[7]);
        assertScanGradients("(ops)", g0, g1);
    }

    /** The eight scan gradients of the reference ({@code g0}) and the kernel ({@code g1}) within 1e-3 of their scale. */
    static void assertScanGradients(String what, Tensor[] g0, Tensor[] g1) {
        String[] names = {"du", "dDeltaRaw", "dDeltaBias", "dALog", "dBm", "dCm", "dD", "dz"};
        for (int i = 0; i < 8; i++) assertClose("scan " + names[i] + " " + what, g0[i], g1[i], 1e-3);
    }

    static Tensor[] grads(int nb, int l, int e, int n, long seed) {
        return new Tensor[] {random(seed, 1, nb, l, e), random(seed + 1, 1, nb, l, e), random(seed + 2, 1, e), random(seed + 3, 1, e, n),
                random(seed + 4, 1, nb, l, n), random(seed + 5, 1, nb, l, n), random(seed + 6, 1, e), random(seed + 7, 1, nb, l, e)};
    }

    @Test
    void losses() {
        int r = 37, k = 101;
        Tensor logits = random(50, 8, r, k), targets = Tensor.zeros(r, k), w = Tensor.zeros(r);
        for (int i = 0; i < r; i++) { targets.data[i * k + (i * 7) % k] = 0.9f; targets.data[i * k + (i * 3) % k] += 0.1f; w.data[i] = (i % 3) / 3f; }
        Tensor g0 = random(51, 1, r, k), g1 = g0.copy();
        double l0 = cpu.loss().softmaxCrossEntropy(logits, targets, w, g0);
        double l1 = cuda.loss().softmaxCrossEntropy(logits, targets, w, g1);
        assertEquals(l0, l1, 1e-6 * Math.abs(l0));
        assertClose("cross-entropy gradient", g0, g1, 1e-5);
        Tensor pred = random(52, 1, r, 19), target = random(53, 1, r, 19), mask = Tensor.zeros(r);
        for (int i = 0; i < r; i += 2) mask.data[i] = 1f;
        Tensor d0 = random(54, 1, r, 19), d1 = d0.copy();
        double m0 = cpu.loss().maskedMse(pred, target, mask, d0), m1 = cuda.loss().maskedMse(pred, target, mask, d1);
        assertEquals(m0, m1, 1e-6 * Math.abs(m0));
        assertClose("masked mse gradient", d0, d1, 1e-6);
    }

    @Test
    void attention() {
        int nb = 3, l = 29, h = 3, dh = 8, dim = h * dh;
        Tensor qkv = random(60, 1, nb, l, 3 * dim), dout = random(61, 1, nb, l, dim);
        Tensor p0 = Tensor.zeros(nb, h, l, l), p1 = Tensor.zeros(nb, h, l, l), o0 = Tensor.zeros(nb, l, dim), o1 = Tensor.zeros(nb, l, dim);
        cpu.attention().attentionForward(qkv, h, p0, o0);
        cuda.attention().attentionForward(qkv, h, p1, o1);
        assertClose("attention probs", p0, p1, 1e-5);
        assertClose("attention out", o0, o1, 1e-4);
        Tensor dq0 = random(62, 1, nb, l, 3 * dim), dq1 = dq0.copy();
        cpu.attention().attentionBackward(qkv, h, p0, dout, dq0);
        cuda.attention().attentionBackward(qkv, h, p0, dout, dq1);
        assertClose("attention dqkv", dq0, dq1, 1e-4);
    }

    @Test
    void maskedCrossAttention() {
        int nb = 2, lq = 12, lk = 8, h = 2, dh = 5, dim = h * dh;
        Tensor q = random(70, 1, nb, lq, dim), kv = random(71, 1, nb, lk, 2 * dim), dout = random(72, 1, nb, lq, dim);
        // ARM-like: query block i (of 3 tokens) sees key blocks 0..i/… (every query sees at least one key)
        boolean[] allowed = new boolean[lq * lk];
        for (int i = 0; i < lq; i++) for (int j = 0; j < lk; j++) allowed[i * lk + j] = j / 2 <= i / 3;
        org.semivim.engine.ops.AttentionMask mask = new org.semivim.engine.ops.AttentionMask(lq, lk, allowed);
        Tensor p0 = Tensor.zeros(nb, h, lq, lk), p1 = Tensor.zeros(nb, h, lq, lk), o0 = Tensor.zeros(nb, lq, dim), o1 = Tensor.zeros(nb, lq, dim);
        cpu.crossAttention().crossAttentionForward(q, kv, h, mask, p0, o0);
        cuda.crossAttention().crossAttentionForward(q, kv, h, mask, p1, o1);
        assertClose("cross-attention probs", p0, p1, 1e-5);
        for (int i = 0; i < p1.size; i++) {
            int qi = (i / lk) % lq, kj = i % lk;
            if (!allowed[qi * lk + kj]) assertEquals(0f, p1.data[i], "masked probability must be exactly 0");
        }
        assertClose("cross-attention out", o0, o1, 1e-4);
        Tensor dq0 = random(73, 1, nb, lq, dim), dq1 = dq0.copy(), dkv0 = random(74, 1, nb, lk, 2 * dim), dkv1 = dkv0.copy();
        cpu.crossAttention().crossAttentionBackward(q, kv, h, p0, dout, dq0, dkv0);
        cuda.crossAttention().crossAttentionBackward(q, kv, h, p0, dout, dq1, dkv1);
        assertClose("cross-attention dq", dq0, dq1, 1e-4);
        assertClose("cross-attention dkv", dkv0, dkv1, 1e-4);
    }
}
