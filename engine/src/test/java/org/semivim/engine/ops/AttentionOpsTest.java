package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.reference.AttentionRef;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.GradCheck;

import static org.semivim.engine.testing.FloatArrays.assertCloseToScale;
import static org.semivim.engine.testing.FloatArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionOpsTest {
    private static final int B = 2, L = 7, H = 3, DH = 4, D = H * DH;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void doubleReferenceGradientMatchesFiniteDifferences() {
        double[] qkv = GradCheck.randomWeights(1, B * L * 3 * D);
        for (int i = 0; i < qkv.length; i++) qkv[i] *= 1.5; // scores of order 1: a non-trivial softmax
        double[] r = GradCheck.randomWeights(2, B * L * D);
        double[] dqkv = new double[qkv.length];
        AttentionRef.attentionBackward(qkv, B, L, H, DH, forwardProbs(qkv), r, dqkv);
        GradCheck.check("attention dqkv", qkv, dqkv, x -> {
            double[] out = new double[B * L * D];
            AttentionRef.attentionForward(x, B, L, H, DH, new double[B * H * L * L], out);
            double loss = 0;
            for (int i = 0; i < out.length; i++) loss += r[i] * out[i];
            return loss;
        }, 1e-6, 1e-6, 1e-9, 1000);
    }

    @Test
    void probabilitiesAreRowStochastic() {
        double[] qkv = GradCheck.randomWeights(3, B * L * 3 * D);
        double[] p = forwardProbs(qkv);
        for (int row = 0; row < B * H * L; row++) {
            double sum = 0;
            for (int j = 0; j < L; j++) sum += p[row * L + j];
            assertEquals(1.0, sum, 1e-12, "row " + row);
        }
    }

    /**
     * Tolerance: the reference is double rounded to float; the fast path rounds every product and
     * sum to float (dot products over dh = 4, sums over L = 7, exp of scores of magnitude ≤ ~8).
     * Each result is off by a few float ulps of the largest magnitude involved, so 2e-6 relative to
     * each tensor's max-abs (≈ 30 ulps) bounds it with margin while catching any indexing error.
     */
    @Test
    void cpuMatchesReference() {
        Tensor qkv = uniform(4, -2f, 2f, B, L, 3 * D);
        Tensor dout = uniform(5, -1f, 1f, B, L, D);
        Tensor[] ref = run(new ReferenceAttentionOps(), H, qkv, dout);
        Tensor[] cpu = run(new CpuAttentionOps(), H, qkv, dout);
        String[] names = {"probs", "out", "dqkv"};
        for (int t = 0; t < 3; t++) assertCloseToScale(names[t], ref[t], cpu[t], 2e-6);
    }

    @Test
    void backwardAccumulates() {
        Tensor qkv = uniform(6, -1f, 1f, B, L, 3 * D);
        Tensor dout = uniform(7, -1f, 1f, B, L, D);
        for (AttentionOps ops : new AttentionOps[]{new CpuAttentionOps(), new ReferenceAttentionOps()}) {
            Tensor probs = Tensor.zeros(B, H, L, L), out = Tensor.zeros(B, L, D);
            ops.attentionForward(qkv, H, probs, out);
            Tensor once = Tensor.zeros(B, L, 3 * D);
            ops.attentionBackward(qkv, H, probs, dout, once);
            Tensor twice = uniform(8, -1f, 1f, B, L, 3 * D);
            Tensor start = twice.copy();
            ops.attentionBackward(qkv, H, probs, dout, twice);
            for (int i = 0; i < once.size; i++) {
                assertEquals(start.get(i) + once.get(i), twice.get(i), 1e-6f, ops.getClass().getSimpleName() + " element " + i);
            }
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        int b = 5, l = 17, h = 4, dh = 8; // 20 (b, h) tasks spread over the pool
        Tensor qkv = uniform(9, -2f, 2f, b, l, 3 * h * dh);
        Tensor dout = uniform(10, -1f, 1f, b, l, h * dh);
        Parallel.setThreads(1);
        Tensor[] one = run(new CpuAttentionOps(), h, qkv, dout);
        Parallel.setThreads(3);
        Tensor[] three = run(new CpuAttentionOps(), h, qkv, dout);
        for (int t = 0; t < 3; t++) assertArrayEquals(one[t].toArray(), three[t].toArray(), "tensor " + t);
    }

    @Test
    void largeScoresStayFinite() {
        Tensor qkv = uniform(11, -200f, 200f, B, L, 3 * D); // scores up to ~1e5: a naive exp overflows
        Tensor dout = uniform(12, -1f, 1f, B, L, D);
        Tensor[] cpu = run(new CpuAttentionOps(), H, qkv, dout);
        Tensor[] ref = run(new ReferenceAttentionOps(), H, qkv, dout);
        for (int t = 0; t < 3; t++) {
            for (float v : cpu[t].toArray()) assertTrue(Float.isFinite(v), "tensor " + t + " has " + v);
        }
        assertCloseToScale("probs", ref[0], cpu[0], 1e-4);
    }

    @Test
    void badShapesAreRejectedWithNames() {
        AttentionOps ops = new CpuAttentionOps();
        Tensor qkv = Tensor.zeros(B, L, 3 * D);
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> ops.attentionForward(qkv, 5, Tensor.zeros(B, 5, L, L), Tensor.zeros(B, L, D)));
        assertTrue(e1.getMessage().contains("heads = 5"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> ops.attentionForward(qkv, H, Tensor.zeros(B, H, L, L + 1), Tensor.zeros(B, L, D)));
        assertTrue(e2.getMessage().contains("probs"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceAttentionOps().attentionForward(qkv, H, Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D + 1)));
        assertTrue(e3.getMessage().contains("out"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> ops.attentionBackward(qkv, H, Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D), Tensor.zeros(B, L, D)));
        assertTrue(e4.getMessage().contains("dqkv"), e4.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ops.attentionForward(Tensor.zeros(B * L, 3 * D), H, Tensor.zeros(B, H, L, L), Tensor.zeros(B, L, D)));
    }

    private static double[] forwardProbs(double[] qkv) {
        double[] p = new double[B * H * L * L];
        AttentionRef.attentionForward(qkv, B, L, H, DH, p, new double[B * L * D]);
        return p;
    }

    /** {probs, out, dqkv} of one forward and one backward into zeros. */
    private static Tensor[] run(AttentionOps ops, int h, Tensor qkv, Tensor dout) {
        int b = qkv.dim(0), l = qkv.dim(1), d = dout.dim(2);
        Tensor probs = Tensor.zeros(b, h, l, l), out = Tensor.zeros(b, l, d), dqkv = Tensor.zeros(qkv.shape());
        ops.attentionForward(qkv, h, probs, out);
        ops.attentionBackward(qkv, h, probs, dout, dqkv);
        return new Tensor[]{probs, out, dqkv};
    }
}
