package org.semivim.engine.layers;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.AttentionRef;
import org.semivim.engine.reference.LinearRef;
import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultiHeadAttentionTest {
    private static final int B = 2, L = 9, D = 12, H = 3;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Both backends against the composed double reference (Linear, AttentionRef, Linear). Tolerance
     * 2e-5 of each tensor's max-abs: float GEMMs over D = 12 and attention sums over L = 9 round
     * each result to a few float ulps (6e-8) of the magnitudes summed, which are up to ~10× the
     * result's scale; 2e-5 leaves a wide margin while any indexing error is O(1).
     */
    @Test
    void bothBackendsMatchTheDoubleReference() {
        Tensor x = random(1, B, L, D);
        Tensor dy = random(2, B, L, D);
        Expected ref = reference(x, dy);
        for (Ops ops : new Ops[]{Ops.cpu(), Ops.reference()}) {
            Run run = run(ops, x, dy);
            assertClose(ops + " y", ref.y, run.y, 2e-5);
            assertClose(ops + " dx", ref.dx, run.dx, 2e-5);
            assertClose(ops + " dqkv.weight", ref.dQkvW, run.grads.get("attn.qkv.weight").grad().toArray(), 2e-5);
            assertClose(ops + " dqkv.bias", ref.dQkvB, run.grads.get("attn.qkv.bias").grad().toArray(), 2e-5);
            assertClose(ops + " dproj.weight", ref.dProjW, run.grads.get("attn.proj.weight").grad().toArray(), 2e-5);
            assertClose(ops + " dproj.bias", ref.dProjB, run.grads.get("attn.proj.bias").grad().toArray(), 2e-5);
        }
    }

    @Test
    void gradientsDoNotDependOnThreadCount() {
        Tensor x = random(3, B, L, D);
        Tensor dy = random(4, B, L, D);
        Parallel.setThreads(1);
        Run one = run(Ops.cpu(), x, dy);
        Parallel.setThreads(3);
        Run three = run(Ops.cpu(), x, dy);
        assertArrayEquals(one.y, three.y);
        assertArrayEquals(one.dx, three.dx);
        assertArrayEquals(one.grads.flatGrads().toArray(), three.grads.flatGrads().toArray());
    }

    @Test
    void badShapesAreRejected() {
        ParameterSet.Builder b = ParameterSet.builder();
        MultiHeadAttention mha = new MultiHeadAttention(Ops.cpu(), b, "attn", D, H);
        b.build();
        var e = assertThrows(IllegalArgumentException.class, () -> mha.forward(Tensor.zeros(B, L, D + 1)));
        assertTrue(e.getMessage().contains("[B,L,12]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(Ops.cpu(), ParameterSet.builder(), "a", 10, 3));
    }

    private record Run(float[] y, float[] dx, ParameterSet grads) {}

    private record Expected(double[] y, double[] dx, double[] dQkvW, double[] dQkvB, double[] dProjW, double[] dProjB) {}

    private static Run run(Ops ops, Tensor x, Tensor dy) {
        ParameterSet.Builder b = ParameterSet.builder();
        MultiHeadAttention mha = new MultiHeadAttention(ops, b, "attn", D, H);
        ParameterSet params = b.build();
        fillParams(params);
        MultiHeadAttention.Output out = mha.forward(x);
        Tensor dx = Tensor.zeros(x.shape());
        mha.backward(x, out, dy, dx);
        return new Run(out.y().toArray(), dx.toArray(), params);
    }

    private static Expected reference(Tensor xt, Tensor dyt) {
        ParameterSet.Builder b = ParameterSet.builder();
        new MultiHeadAttention(Ops.reference(), b, "attn", D, H);
        ParameterSet params = b.build();
        fillParams(params);
        double[] wq = doubles(params.get("attn.qkv.weight")), bq = doubles(params.get("attn.qkv.bias"));
        double[] wp = doubles(params.get("attn.proj.weight")), bp = doubles(params.get("attn.proj.bias"));
        double[] x = doubles(xt.toArray()), dy = doubles(dyt.toArray());
        int rows = B * L;
        double[] qkv = new double[rows * 3 * D], probs = new double[B * H * L * L], heads = new double[rows * D], y = new double[rows * D];
        LinearRef.linearForward(x, wq, bq, qkv, rows, D, 3 * D);
        AttentionRef.attentionForward(qkv, B, L, H, D / H, probs, heads);
        LinearRef.linearForward(heads, wp, bp, y, rows, D, D);
        double[] dHeads = new double[rows * D], dQkv = new double[rows * 3 * D], dx = new double[rows * D];
        double[] dWp = new double[wp.length], dBp = new double[D], dWq = new double[wq.length], dBq = new double[3 * D];
        LinearRef.linearBackward(heads, wp, dy, dHeads, dWp, dBp, rows, D, D);
        AttentionRef.attentionBackward(qkv, B, L, H, D / H, probs, dHeads, dQkv);
        LinearRef.linearBackward(x, wq, dQkv, dx, dWq, dBq, rows, D, 3 * D);
        return new Expected(y, dx, dWq, dBq, dWp, dBp);
    }

    private static void fillParams(ParameterSet params) {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < params.count(); i++) params.flatValues().set(i, (float) rnd.nextDouble(-0.5, 0.5));
    }

    static Tensor random(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.set(i, (float) rnd.nextDouble(-1, 1));
        return t;
    }

    static double[] doubles(Parameter p) {
        return doubles(p.value().toArray());
    }

    static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static void assertClose(String what, double[] expected, float[] actual, double relTol) {
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        double tol = relTol * scale;
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol) {
                throw new AssertionError(what + " element " + i + ": reference " + expected[i] + " vs " + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
