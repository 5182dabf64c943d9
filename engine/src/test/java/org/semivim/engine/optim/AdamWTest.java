package org.semivim.engine.optim;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** w [2,2] decayed; b [2] (".bias") and cls_token [1,1,2] (declareNoDecay) not decayed. */
    private static ParameterSet smallSet() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("w", 2, 2);
        b.declare("b", 2);
        b.declareNoDecay("cls_token", 1, 1, 2);
        return b.build();
    }

    /**
     * Two steps against torch.optim.AdamW's single-tensor formulas, recomputed here in double:
     * <pre>
     *   param.mul_(1 - lr * weight_decay)                                  # only decayed params
     *   exp_avg.lerp_(grad, 1 - beta1)                                     # m = b1·m + (1−b1)·g
     *   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)       # v = b2·v + (1−b2)·g²
     *   step_size = lr / (1 - beta1 ** step)
     *   denom = (exp_avg_sq.sqrt() / sqrt(1 - beta2 ** step)).add_(eps)
     *   param.addcdiv_(exp_avg, denom, value=-step_size)
     * </pre>
     * Tolerance 1e-6 absolute on values of order 1: the float path rounds a handful of times (a few
     * ulp ≈ 1e-7); a missing decay term (lr·wd·p ≈ 5e-4) or bias correction would be far larger.
     */
    @Test
    void twoStepsMatchTorchFormulas() {
        ParameterSet set = smallSet();
        float[] p0 = {0.5f, -1.25f, 2f, 0.75f, 0.1f, -0.3f, 1.5f, -0.02f};
        float[][] grads = {
                {0.2f, -0.1f, 0f, 3f, -0.5f, 0.05f, 1e-3f, -2f},
                {-0.4f, 0.3f, 0.7f, 1f, 0.5f, 0f, 2e-3f, -1f}};
        double[] lrs = {1e-2, 5e-3};
        double wd = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        boolean[] decayed = {true, true, true, true, false, false, false, false};

        System.arraycopy(p0, 0, set.flatValues().data, 0, p0.length);
        AdamW opt = new AdamW(set, wd);

        double[] p = new double[8], m = new double[8], v = new double[8];
        for (int i = 0; i < 8; i++) p[i] = p0[i];
        for (int t = 1; t <= 2; t++) {
            double lr = lrs[t - 1];
            for (int i = 0; i < 8; i++) {
                double g = grads[t - 1][i];
                if (decayed[i]) p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double stepSize = lr / (1 - Math.pow(b1, t));
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= stepSize * m[i] / denom;
            }
            System.arraycopy(grads[t - 1], 0, set.flatGrads().data, 0, 8);
            opt.step(lr);
            float[] got = set.flatValues().toArray();
            float[] gotM = opt.firstMoment(), gotV = opt.secondMoment();
            for (int i = 0; i < 8; i++) {
                assertEquals(p[i], got[i], 1e-6, "value " + i + " after step " + t);
                assertEquals(m[i], gotM[i], 1e-6 * Math.abs(m[i]) + 1e-12, "m " + i + " after step " + t);
                assertEquals(v[i], gotV[i], 1e-6 * Math.abs(v[i]) + 1e-15, "v " + i + " after step " + t);
            }
        }
        assertEquals(2, opt.stepCount());
    }

    @Test
    void weightDecayOnlyForFlaggedParameters() {
        // zero gradients give a zero direction, so only the decoupled decay moves a value
        ParameterSet set = smallSet();
        float[] values = set.flatValues().data;
        for (int i = 0; i < values.length; i++) values[i] = 1f + i;
        float[] before = values.clone();
        new AdamW(set, 0.1).step(0.5);
        float factor = (float) (1 - 0.5 * 0.1);
        for (Parameter p : set.parameters()) {
            for (int i = p.offset(); i < p.offset() + p.size(); i++) {
                float expected = p.weightDecay() ? before[i] * factor : before[i];
                assertEquals(expected, values[i], 0f, p.name() + " element " + i);
            }
        }
        assertTrue(set.get("w").weightDecay());
    }

    @Test
    void directionThenApplyEqualsStepBitForBit() {
        ParameterSet a = randomSet(1000, 1), b = randomSet(1000, 1);
        AdamW optA = new AdamW(a, 0.05), optB = new AdamW(b, 0.05);
        float[] u = new float[b.count()];
        for (int t = 0; t < 3; t++) {
            fillGrads(a, 7, t);
            fillGrads(b, 7, t);
            double lr = 1e-3 * (t + 1);
            optA.step(lr);
            optB.updateMoments(b.flatGrads().data, u);
            optB.apply(b.flatValues().data, u, lr, 0.05, b.flatValues().data);
        }
        assertArrayEquals(a.flatValues().toArray(), b.flatValues().toArray());
        assertArrayEquals(optA.firstMoment(), optB.firstMoment());
        assertArrayEquals(optA.secondMoment(), optB.secondMoment());
    }

    @Test
    void retryFromSavedValuesReusesTheSameDirection() {
        // LyapEMA R-L2: moments updated once; a retry applies θ_prev − s·η·(u + wd·θ_prev) with the same u
        ParameterSet set = randomSet(300, 2);
        AdamW opt = new AdamW(set, 0.05);
        fillGrads(set, 3, 0);
        float[] u = new float[set.count()];
        opt.updateMoments(set.flatGrads().data, u);
        AdamW.State afterMoments = opt.state();
        float[] prev = set.flatValues().toArray();

        float[] first = new float[set.count()], again = new float[set.count()], halved = new float[set.count()];
        opt.apply(prev, u, 1e-3, 0.05, first);
        opt.apply(prev, u, 1e-3 / 2, 0.05, halved);
        opt.apply(prev, u, 1e-3, 0.05, again);
        assertArrayEquals(first, again, "same s and lr reproduce the first attempt exactly");
        assertArrayEquals(prev, set.flatValues().toArray(), "apply into another array leaves the parameters alone");
        assertEquals(afterMoments.step(), opt.stepCount());
        assertArrayEquals(afterMoments.firstMoment(), opt.firstMoment(), "apply does not touch the moments");
        assertArrayEquals(afterMoments.secondMoment(), opt.secondMoment());
        // moves are ~1e-3; the float differences carry ~1e-7 rounding from values of order 1
        for (int i = 0; i < prev.length; i++) {
            assertEquals(prev[i] - first[i], 2 * (prev[i] - halved[i]), 1e-6, "halved lr halves the move");
        }
    }

    @Test
    void stateSaveRestoreContinuesBitForBit() {
        ParameterSet straight = randomSet(2000, 3);
        AdamW optStraight = new AdamW(straight, 0.05);
        for (int t = 0; t < 5; t++) {
            fillGrads(straight, 11, t);
            optStraight.step(1e-3);
        }

        ParameterSet first = randomSet(2000, 3);
        AdamW optFirst = new AdamW(first, 0.05);
        for (int t = 0; t < 2; t++) {
            fillGrads(first, 11, t);
            optFirst.step(1e-3);
        }
        AdamW.State saved = optFirst.state();
        float[] savedValues = first.flatValues().toArray();

        ParameterSet resumed = randomSet(2000, 99);       // different initial values, overwritten below
        System.arraycopy(savedValues, 0, resumed.flatValues().data, 0, savedValues.length);
        AdamW optResumed = new AdamW(resumed, 0.05);
        optResumed.restore(saved);
        for (int t = 2; t < 5; t++) {
            fillGrads(resumed, 11, t);
            optResumed.step(1e-3);
        }
        assertArrayEquals(straight.flatValues().toArray(), resumed.flatValues().toArray());
        assertArrayEquals(optStraight.firstMoment(), optResumed.firstMoment());
        assertArrayEquals(optStraight.secondMoment(), optResumed.secondMoment());
        assertEquals(5, optResumed.stepCount());
    }

    @Test
    void stateIsACopy() {
        ParameterSet set = randomSet(10, 4);
        AdamW opt = new AdamW(set, 0.0);
        fillGrads(set, 1, 0);
        opt.step(1e-2);
        AdamW.State s = opt.state();
        s.firstMoment()[0] = 1234f;
        assertTrue(opt.firstMoment()[0] != 1234f);
    }

    @Test
    void frozenParametersAreNotUpdated() {
        ParameterSet frozenRun = smallSet(), fullRun = smallSet();
        for (ParameterSet s : new ParameterSet[] {frozenRun, fullRun}) {
            float[] values = s.flatValues().data;
            for (int i = 0; i < values.length; i++) values[i] = 0.5f - 0.1f * i;
        }
        AdamW frozenOpt = new AdamW(frozenRun, 0.9, 0.999, 1e-8, 0.05, Set.of("w"));
        AdamW fullOpt = new AdamW(fullRun, 0.05);
        Parameter w = frozenRun.get("w");
        float[] wBefore = w.value().toArray();
        for (int t = 0; t < 3; t++) {
            fillGrads(frozenRun, 5, t);
            fillGrads(fullRun, 5, t);
            frozenOpt.step(1e-2);
            fullOpt.step(1e-2);
        }
        assertArrayEquals(wBefore, w.value().toArray(), "frozen w is neither stepped nor decayed");
        float[] m = frozenOpt.firstMoment();
        for (int i = w.offset(); i < w.offset() + w.size(); i++) assertEquals(0f, m[i]);
        // the other parameters move exactly as without freezing (updates are elementwise)
        for (String name : new String[] {"b", "cls_token"}) {
            assertArrayEquals(fullRun.get(name).value().toArray(), frozenRun.get(name).value().toArray(), name);
        }
        assertTrue(!java.util.Arrays.equals(wBefore, fullRun.get("w").value().toArray()));
    }

    @Test
    void sameBitsForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            float[][] results = new float[2][];
            int[] threads = {1, 3};
            for (int k = 0; k < 2; k++) {
                Parallel.setThreads(threads[k]);
                ParameterSet set = randomSet(100_003, 5);       // several chunks, uneven end
                AdamW opt = new AdamW(set, 0.05);
                for (int t = 0; t < 2; t++) {
                    fillGrads(set, 13, t);
                    opt.step(1e-3);
                }
                results[k] = set.flatValues().toArray();
            }
            assertArrayEquals(results[0], results[1]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void rejectsBadArguments() {
        ParameterSet set = smallSet();
        assertThrows(IllegalArgumentException.class, () -> new AdamW(set, 1.0, 0.999, 1e-8, 0, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(set, 0.9, -0.1, 1e-8, 0, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(set, 0.9, 0.999, Double.NaN, 0, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(set, -0.01));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AdamW(set, 0.9, 0.999, 1e-8, 0, Set.of("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        AdamW opt = new AdamW(set, 0.05);
        e = assertThrows(IllegalArgumentException.class, () -> opt.updateMoments(new float[3], new float[set.count()]));
        assertTrue(e.getMessage().contains("length 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> opt.step(-1e-3));
        assertThrows(IllegalArgumentException.class, () -> opt.restore(new AdamW.State(1, new float[2], new float[set.count()])));
    }

    /** One decayed matrix and a no-decay vector, {@code n} scalars in all, values from the seed. */
    private static ParameterSet randomSet(int n, long seed) {
        ParameterSet.Builder b = ParameterSet.builder();
        int rows = n / 10;
        b.declare("layer.weight", rows, 10);
        b.declare("layer.bias", n - rows * 10 + 7);
        ParameterSet set = b.build();
        CounterRng rng = CounterRng.of(seed, "adamw test values");
        float[] values = set.flatValues().data;
        for (int i = 0; i < values.length; i++) values[i] = (float) rng.normal(i);
        return set;
    }

    /** Gradients as a function of (seed, step) only, so separate runs see the same ones. */
    private static void fillGrads(ParameterSet set, long seed, int step) {
        CounterRng rng = CounterRng.of(seed, "adamw test grads").derive(step);
        float[] g = set.flatGrads().data;
        for (int i = 0; i < g.length; i++) g[i] = (float) (0.1 * rng.normal(i));
    }
}
