package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.reference.CrossAttentionRef;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.GradCheck;

import static org.semivim.engine.testing.FloatArrays.assertCloseToScale;
import static org.semivim.engine.testing.FloatArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossAttentionOpsTest {
    /** 3 blocks of 2 tokens on both sides (block-causal), plus a rectangular unmasked case. */
    private static final int B = 2, BLOCKS = 3, PER = 2, L = BLOCKS * PER, H = 2, DH = 3, D = H * DH;
    private static final AttentionMask MASK = AttentionMask.blockCausal(BLOCKS, PER);

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void blockCausalMaskIsTrilOverBlocks() {
        assertTrue(MASK.sees(0, 0) && MASK.sees(0, 1) && !MASK.sees(0, 2) && !MASK.sees(1, 2));
        assertTrue(MASK.sees(2, 3) && !MASK.sees(3, 4) && MASK.sees(5, 0) && MASK.sees(5, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> new AttentionMask(2, 2, new boolean[]{true, false, false, false}));
        assertTrue(e.getMessage().contains("query 1 sees no key"), e.getMessage());
    }

    @Test
    void doubleReferenceGradientMatchesFiniteDifferencesWithMask() {
        gradCheck(L, L, MASK.allowed());
    }

    @Test
    void doubleReferenceGradientMatchesFiniteDifferencesUnmaskedRectangular() {
        gradCheck(3, 5, null);
    }

    private static void gradCheck(int lq, int lk, boolean[] allowed) {
        double[] q = GradCheck.randomWeights(1, B * lq * D);
        double[] kv = GradCheck.randomWeights(2, B * lk * 2 * D);
        for (int i = 0; i < q.length; i++) q[i] *= 1.5;
        for (int i = 0; i < kv.length; i++) kv[i] *= 1.5;
        double[] r = GradCheck.randomWeights(3, B * lq * D);
        double[] probs = new double[B * H * lq * lk];
        CrossAttentionRef.forward(q, kv, B, lq, lk, H, DH, allowed, probs, new double[B * lq * D]);
        double[] dq = new double[q.length], dkv = new double[kv.length];
        CrossAttentionRef.backward(q, kv, B, lq, lk, H, DH, probs, r, dq, dkv);
        GradCheck.check("cross-attention dq", q, dq, x -> project(x, kv, lq, lk, allowed, r), 1e-6, 1e-6, 1e-9, 1000);
        GradCheck.check("cross-attention dkv", kv, dkv, x -> project(q, x, lq, lk, allowed, r), 1e-6, 1e-6, 1e-9, 1000);
    }

    private static double project(double[] q, double[] kv, int lq, int lk, boolean[] allowed, double[] r) {
        double[] out = new double[B * lq * D];
        CrossAttentionRef.forward(q, kv, B, lq, lk, H, DH, allowed, new double[B * H * lq * lk], out);
        double loss = 0;
        for (int i = 0; i < out.length; i++) loss += r[i] * out[i];
        return loss;
    }

    /** Rows sum to 1; masked entries are exactly 0; and a masked key's value changes nothing it cannot see. */
    @Test
    void maskedKeysGetZeroProbabilityAndNoInfluence() {
        Tensor q = uniform(4, -2f, 2f, B, L, D), kv = uniform(5, -2f, 2f, B, L, 2 * D);
        Tensor[] before = run(new CpuCrossAttentionOps(), q, kv, uniform(6, -1f, 1f, B, L, D), MASK);
        float[] p = before[0].toArray();
        for (int row = 0; row < B * H * L; row++) {
            double sum = 0;
            int i = row % L;
            for (int j = 0; j < L; j++) {
                if (!MASK.sees(i, j)) assertEquals(0f, p[row * L + j], "masked prob row " + row + " key " + j);
                sum += p[row * L + j];
            }
            assertEquals(1.0, sum, 1e-5, "row " + row);
        }
        Tensor kv2 = kv.copy();
        for (int c = 0; c < 2 * D; c++) kv2.set((0 * L + L - 1) * 2 * D + c, 9f);   // the last key block of sample 0
        Tensor[] after = run(new CpuCrossAttentionOps(), q, kv2, uniform(6, -1f, 1f, B, L, D), MASK);
        for (int i = 0; i < (BLOCKS - 1) * PER; i++) {                               // queries of earlier blocks
            for (int d = 0; d < D; d++) assertEquals(before[1].get(i * D + d), after[1].get(i * D + d), "query " + i);
        }
    }

    /**
     * Tolerance as AttentionOpsTest: the fast path rounds each product and sum (dh = 3, ≤ 6 keys) to
     * float, a few ulps of each tensor's max-abs; 2e-6 relative bounds it while catching any indexing error.
     */
    @Test
    void cpuMatchesReference() {
        Tensor q = uniform(7, -2f, 2f, B, L, D), kv = uniform(8, -2f, 2f, B, L, 2 * D), dout = uniform(9, -1f, 1f, B, L, D);
        for (AttentionMask m : new AttentionMask[]{MASK, AttentionMask.full(L, L)}) {
            Tensor[] ref = run(new ReferenceCrossAttentionOps(), q, kv, dout, m);
            Tensor[] cpu = run(new CpuCrossAttentionOps(), q, kv, dout, m);
            String[] names = {"probs", "out", "dq", "dkv"};
            for (int t = 0; t < 4; t++) assertCloseToScale(names[t] + " " + m, ref[t], cpu[t], 2e-6);
        }
        Tensor q2 = uniform(10, -2f, 2f, B, 3, D), kv2 = uniform(11, -2f, 2f, B, 7, 2 * D), dout2 = uniform(12, -1f, 1f, B, 3, D);
        Tensor[] ref = run(new ReferenceCrossAttentionOps(), q2, kv2, dout2, AttentionMask.full(3, 7));
        Tensor[] cpu = run(new CpuCrossAttentionOps(), q2, kv2, dout2, AttentionMask.full(3, 7));
        for (int t = 0; t < 4; t++) assertCloseToScale("rectangular tensor " + t, ref[t], cpu[t], 2e-6);
    }

    @Test
    void backwardAccumulates() {
        Tensor q = uniform(13, -1f, 1f, B, L, D), kv = uniform(14, -1f, 1f, B, L, 2 * D), dout = uniform(15, -1f, 1f, B, L, D);
        for (CrossAttentionOps ops : new CrossAttentionOps[]{new CpuCrossAttentionOps(), new ReferenceCrossAttentionOps()}) {
            Tensor probs = Tensor.zeros(B, H, L, L), out = Tensor.zeros(B, L, D);
            ops.crossAttentionForward(q, kv, H, MASK, probs, out);
            Tensor dq1 = Tensor.zeros(q.shape()), dkv1 = Tensor.zeros(kv.shape());
            ops.crossAttentionBackward(q, kv, H, probs, dout, dq1, dkv1);
            Tensor dq2 = uniform(16, -1f, 1f, B, L, D), dkv2 = uniform(17, -1f, 1f, B, L, 2 * D);
            Tensor dq0 = dq2.copy(), dkv0 = dkv2.copy();
            ops.crossAttentionBackward(q, kv, H, probs, dout, dq2, dkv2);
            for (int i = 0; i < dq2.size; i++) assertEquals(dq0.get(i) + dq1.get(i), dq2.get(i), 1e-6f, "dq " + i);
            for (int i = 0; i < dkv2.size; i++) assertEquals(dkv0.get(i) + dkv1.get(i), dkv2.get(i), 1e-6f, "dkv " + i);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        int b = 5, h = 4, dh = 8, blocks = 4, per = 3, l = blocks * per;
        Tensor q = uniform(18, -2f, 2f, b, l, h * dh), kv = uniform(19, -2f, 2f, b, l, 2 * h * dh), dout = uniform(20, -1f, 1f, b, l, h * dh);
        AttentionMask m = AttentionMask.blockCausal(blocks, per);
        Parallel.setThreads(1);
        Tensor[] one = run(new CpuCrossAttentionOps(), q, kv, dout, m, h);
        Parallel.setThreads(3);
        Tensor[] three = run(new CpuCrossAttentionOps(), q, kv, dout, m, h);
        for (int t = 0; t < 4; t++) assertArrayEquals(one[t].toArray(), three[t].toArray(), "tensor " + t);
    }

    @Test
    void badShapesAreRejectedWithNames() {
        CrossAttentionOps ops = new CpuCrossAttentionOps();
        Tensor q = Tensor.zeros(B, L, D), kv = Tensor.zeros(B, L, 2 * D);
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> ops.crossAttentionForward(q, Tensor.zeros(B, L, D), H, MASK, Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D)));
        assertTrue(e1.getMessage().contains("kv"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> ops.crossAttentionForward(q, kv, H, AttentionMask.full(L, L + 1), Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D)));
        assertTrue(e2.getMessage().contains("mask"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> ops.crossAttentionForward(q, kv, H, MASK, Tensor.zeros(B, H, L, L + 1), Tensor.zeros(B, L, D)));
        assertTrue(e3.getMessage().contains("probs"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> ops.crossAttentionBackward(q, kv, H, Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D), Tensor.zeros(B, L, D), q));
        assertTrue(e4.getMessage().contains("dkv"), e4.getMessage());
        var e5 = assertThrows(IllegalStateException.class,
                () -> new Ops("bare", null, null, null, null, null, null, null).crossAttention());
        assertTrue(e5.getMessage().contains("cross-attention"), e5.getMessage());
    }

    private static Tensor[] run(CrossAttentionOps ops, Tensor q, Tensor kv, Tensor dout, AttentionMask mask) {
        return run(ops, q, kv, dout, mask, H);
    }

    /** {probs, out, dq, dkv} of one forward and one backward into zeros. */
    private static Tensor[] run(CrossAttentionOps ops, Tensor q, Tensor kv, Tensor dout, AttentionMask mask, int h) {
        int b = q.dim(0), lq = q.dim(1), lk = kv.dim(1);
        Tensor probs = Tensor.zeros(b, h, lq, lk), out = Tensor.zeros(q.shape());
        Tensor dq = Tensor.zeros(q.shape()), dkv = Tensor.zeros(kv.shape());
        ops.crossAttentionForward(q, kv, h, mask, probs, out);
        ops.crossAttentionBackward(q, kv, h, probs, dout, dq, dkv);
        return new Tensor[]{probs, out, dq, dkv};
    }
}
