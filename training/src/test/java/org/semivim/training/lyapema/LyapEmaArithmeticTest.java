package org.semivim.training.lyapema;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;

/**
 * The arithmetic of STEP(s, lam) (R-L1…R-L5, R-L10) on real flat parameters: the float kernel with the
 * engine's AdamW, and the double reference on which the identities hold to 1e-12.
 */
class LyapEmaArithmeticTest {
    private static final LyapEmaConfig DEFAULTS = LyapEmaConfig.defaults();

    /** A small model-like parameter set: decayed matrix, undecayed bias and embedding, and one frozen matrix. */
    private static ParameterSet parameters(long seed) {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("proj.weight", 6, 5);
        b.declare("proj.bias", 6);
        b.declareNoDecay("pos_embed", 1, 7);
        b.declare("frozen.weight", 4, 3);
        ParameterSet set = b.build();
        fill(set.flatValues().data, seed, 0.5);
        return set;
    }

    private static void fill(float[] a, long seed, double scale) {
        CounterRng rng = CounterRng.of(seed, "test.lyapema");
        for (int i = 0; i < a.length; i++) a[i] = (float) (scale * rng.normal(i));
    }

    private static double[] fillDouble(int n, long seed, double scale) {
        CounterRng rng = CounterRng.of(seed, "test.lyapema.double");
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = scale * rng.normal(i);
        return a;
    }

    @Test
    void R_L1_lamZeroIsBitIdenticalToAPlainAdamWStep() {
        LyapEmaConfig lamZero = DEFAULTS.withLam(0, 0, 0);
        for (LyapEmaConfig config : new LyapEmaConfig[] {lamZero, lamZero.withPull(LyapEmaConfig.Pull.EXPLICIT)}) {
            ParameterSet lyap = parameters(1), plain = parameters(1);
            Set<String> frozen = Set.of("frozen.weight");
            AdamW lyapOpt = new AdamW(lyap, 0.9, 0.999, 1e-8, 0.05, frozen);
            AdamW plainOpt = new AdamW(plain, 0.9, 0.999, 1e-8, 0.05, frozen);
            TrainableRanges trainable = TrainableRanges.of(lyap, frozen);
            int negativeZero = lyap.get("pos_embed").offset();   // −0.0 with zero gradient stays −0.0 in AdamW; a pull would make it +0.0
            lyap.flatValues().data[negativeZero] = -0.0f;
            plain.flatValues().data[negativeZero] = -0.0f;
            float[] teacher = lyap.flatValues().toArray();
            float[] studentPrev = new float[lyap.count()], teacherOut = new float[lyap.count()];
            float[] u = new float[lyap.count()], plainU = new float[lyap.count()];
            LyapEmaState state = LyapEmaState.initial(config, 0);
            for (int t = 0; t < 6; t++) {
                double lr = 1e-2 * (t + 1);
                fill(lyap.flatGrads().data, 100 + t, 1);
                fill(plain.flatGrads().data, 100 + t, 1);
                lyap.flatGrads().data[negativeZero] = 0f;
                plain.flatGrads().data[negativeZero] = 0f;
                lyapOpt.updateMoments(lyap.flatGrads().data, u);
                System.arraycopy(lyap.flatValues().data, 0, studentPrev, 0, studentPrev.length);
                LyapEmaKernel kernel = new FloatLyapEmaKernel(studentPrev, teacher, u, lyapOpt::apply, 0.05, trainable,
                        lyap.flatValues().data, teacherOut);
                LyapEmaResult r = LyapEmaUpdate.decide(state, config, kernel, lr, 1.0);
                assertTrue(r.committed());
                if (t == 0) {
                    plainOpt.step(lr);                               // unarmed first step: s = 1, exactly AdamW.step(lr)
                } else {                                             // later: AdamW with the lr LyapEMA committed (s·η)
                    plainOpt.updateMoments(plain.flatGrads().data, plainU);
                    plainOpt.apply(plain.flatValues().data, plainU, r.decision().learningRate(), 0.05, plain.flatValues().data);
                }
                assertArrayEquals(plain.flatValues().toArray(), lyap.flatValues().toArray(), "step " + t + " " + config.pull());
                System.arraycopy(teacherOut, 0, teacher, 0, teacher.length);
                state = r.state();
            }
        }
    }

    @Test
    void R_L1_withZeroLearningRateTheStudentIsPulledToTheLaggedTeacher() {
        int n = 40;
        double[] student = fillDouble(n, 1, 1), teacher = fillDouble(n, 2, 1), u = fillDouble(n, 3, 1);
        double[] wd = new double[n];
        Arrays.fill(wd, 0.05);
        double[] sOut = new double[n], tOut = new double[n];
        DoubleLyapEmaKernel kernel = new DoubleLyapEmaKernel(student, teacher, u, wd, TrainableRanges.all(n), sOut, tOut);
        double lam = 0.07;
        kernel.proposeStudent(0.0, lam, LyapEmaConfig.Pull.IMPLICIT);
        for (int i = 0; i < n; i++) assertEquals((student[i] + lam * teacher[i]) / (1 + lam), sOut[i], 0.0, "implicit, element " + i);
        kernel.proposeStudent(0.0, lam, LyapEmaConfig.Pull.EXPLICIT);
        for (int i = 0; i < n; i++) assertEquals(student[i] + lam * (teacher[i] - student[i]), sOut[i], 0.0, "explicit, element " + i);

        // the float kernel with AdamW at lr 0: θ~ = θS_prev, then the same formula in float
        ParameterSet set = parameters(4);
        AdamW opt = new AdamW(set, 0.05);
        float[] fs = set.flatValues().toArray(), ft = new float[set.count()], fu = new float[set.count()];
        fill(ft, 5, 1);
        fill(fu, 6, 1);
        float[] fsOut = new float[set.count()], ftOut = new float[set.count()];
        new FloatLyapEmaKernel(fs, ft, fu, opt::apply, 0.05, TrainableRanges.all(set.count()), fsOut, ftOut)
                .proposeStudent(0.0, lam, LyapEmaConfig.Pull.IMPLICIT);
        for (int i = 0; i < fs.length; i++) assertEquals((fs[i] + (float) lam * ft[i]) / (1f + (float) lam), fsOut[i], 0f, "float " + i);
    }

    @Test
    void R_L1_explicitPullNeedsLamMaxAtMostOne() {
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withLam(0.01, 0.1, 1.5).withPull(LyapEmaConfig.Pull.EXPLICIT));
        assertEquals(LyapEmaConfig.Pull.EXPLICIT, DEFAULTS.withLam(0.01, 0.1, 1.0).withPull(LyapEmaConfig.Pull.EXPLICIT).pull());
        assertEquals(2.0, DEFAULTS.withLam(0.01, 0.1, 2.0).lamMax(), "implicit pull allows any lam_max");
    }

    @Test
    void R_L2_aRetryWithUnchangedSAndLamReproducesTheFirstAttemptAndTouchesNoMoments() {
        ParameterSet set = parameters(7);
        AdamW opt = new AdamW(set, 0.9, 0.999, 1e-8, 0.05, Set.of("frozen.weight"));
        fill(set.flatGrads().data, 8, 1);
        float[] u = new float[set.count()];
        opt.updateMoments(set.flatGrads().data, u);
        AdamW.State moments = opt.state();
        float[] prev = set.flatValues().toArray(), teacher = new float[set.count()], uCopy = u.clone();
        fill(teacher, 9, 0.5);
        float[] teacherCopy = teacher.clone();
        int[] applyCalls = {0};
        FloatLyapEmaKernel.DecoupledStep counting = (from, dir, lr, wd, to) -> {
            applyCalls[0]++;
            assertTrue(dir == u, "every attempt uses the same direction u");
            opt.apply(from, dir, lr, wd, to);
        };
        float[] sOut = new float[set.count()], tOut = new float[set.count()];
        FloatLyapEmaKernel kernel = new FloatLyapEmaKernel(prev, teacher, u, counting, 0.05,
                TrainableRanges.of(set, Set.of("frozen.weight")), sOut, tOut);
        double d1 = kernel.proposeStudent(1e-3, 0.1, LyapEmaConfig.Pull.IMPLICIT);
        double v1 = kernel.proposeTeacher(0.9);
        float[] s1 = sOut.clone(), t1 = tOut.clone();
        double d2 = kernel.proposeStudent(1e-3, 0.1, LyapEmaConfig.Pull.IMPLICIT);
        double v2 = kernel.proposeTeacher(0.9);
        assertEquals(d1, d2, 0.0);
        assertEquals(v1, v2, 0.0);
        assertArrayEquals(s1, sOut);
        assertArrayEquals(t1, tOut);

        // at s = s_min and lam = lam_max a violation's retry cannot change anything: identical to the first attempt
        LyapEmaState saturated = new LyapEmaState(DEFAULTS.sMin(), DEFAULTS.lamMax(), 1e-30, 50.0, 5, 5);
        applyCalls[0] = 0;
        LyapEmaResult r = LyapEmaUpdate.decide(saturated, DEFAULTS, kernel, 1e-3 / DEFAULTS.sMin(), 1.0);
        assertTrue(r.decision().violated());
        assertEquals(1, r.decision().retries());
        assertEquals(2, applyCalls[0], "one optimizer apply per attempt");
        assertEquals(r.decision().firstLyapunov(), r.decision().lyapunov(), 0.0);
        assertTrue(r.decision().stillViolatedAfterRetry());
        assertEquals(moments.step(), opt.stepCount(), "the moments are updated once per step, by the caller, never on a retry");
        assertArrayEquals(moments.firstMoment(), opt.firstMoment());
        assertArrayEquals(moments.secondMoment(), opt.secondMoment());
        assertArrayEquals(uCopy, u, "u is not modified");
        assertArrayEquals(teacherCopy, teacher, "the saved teacher is not modified");
        assertArrayEquals(set.flatValues().toArray(), prev, "the saved student is not modified");
    }

    @Test
    void R_L3_alphaIsHalfAtZeroMonotoneAndNeverNaN() {
        assertEquals(0.5, LyapEmaUpdate.alpha(7.0, 0.0), 0.0);
        double previous = 0.5;
        for (double d = 1e-3; d < 100; d *= 1.3) {
            double a = LyapEmaUpdate.alpha(7.0, d);
            assertTrue(a >= previous && a <= 1, "monotone in d, at most 1: d=" + d);
            previous = a;
        }
        assertEquals(1.0, LyapEmaUpdate.alpha(1.0, 37.5), 0.0, "saturates to exactly 1 near gamma·d = 37");
        assertEquals(1.0, LyapEmaUpdate.alpha(1e300, 1e300), 0.0, "gamma·d = Inf gives 1, not NaN");
        assertEquals(1.0, LyapEmaUpdate.alpha(Double.MAX_VALUE, 1.0), 0.0);
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withFixedGamma(0.0), "gamma must be > 0");
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withFixedGamma(-1.0));
        assertThrows(IllegalArgumentException.class, () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.5, null,
                0.01, 0.01, 0.1, 1.0 / 16, 1, LyapEmaConfig.Pull.IMPLICIT), "alpha_ref 0.5 would calibrate gamma to 0");
    }

    @Test
    void R_L4_lyapunovEqualsHalfAlphaSquaredDistanceSquared() {
        int n = 500;
        double[] student = fillDouble(n, 11, 1), teacher = student.clone();
        double[] wd = new double[n];
        Arrays.fill(wd, 0, 300, 0.05);
        double[] sOut = new double[n], tOut = new double[n];
        LyapEmaConfig config = DEFAULTS;
        LyapEmaState state = LyapEmaState.initial(config, 0);
        for (int t = 0; t < 50; t++) {
            double[] u = fillDouble(n, 1000 + t, 1);
            for (int i = 0; i < n; i++) u[i] += 0.3;                       // drift, so the teacher lags
            DoubleLyapEmaKernel kernel = new DoubleLyapEmaKernel(student, teacher, u, wd, TrainableRanges.all(n), sOut, tOut);
            LyapEmaResult r = LyapEmaUpdate.decide(state, config, kernel, 1e-3, 1.0);
            LyapEmaDecision d = r.decision();
            double identity = 0.5 * d.alpha() * d.alpha() * d.distance() * d.distance();
            assertEquals(identity, d.lyapunov(), 1e-12 * identity, "V = ½α²d² at step " + t);
            for (int i = 0; i < n; i++) {
                assertEquals(d.alpha() * teacher[i] + (1 - d.alpha()) * sOut[i], tOut[i], 0.0, "teacher EMA (Eq. 5), element " + i);
            }
            System.arraycopy(sOut, 0, student, 0, n);
            System.arraycopy(tOut, 0, teacher, 0, n);
            state = r.state();
        }
    }

    @Test
    void R_L5_calibratedGammaGivesAlphaRefOnTheFirstStep() {
        for (double alphaRef : new double[] {0.9, 0.99, 0.999}) {
            LyapEmaConfig config = new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, alphaRef, null, 0.01, 0.01, 0.1, 1.0 / 16, 1,
                    LyapEmaConfig.Pull.IMPLICIT);
            int n = 200;
            double[] student = fillDouble(n, 21, 1), teacher = student.clone(), u = fillDouble(n, 22, 1);
            double[] sOut = new double[n], tOut = new double[n];
            DoubleLyapEmaKernel kernel = new DoubleLyapEmaKernel(student, teacher, u, new double[n], TrainableRanges.all(n), sOut, tOut);
            LyapEmaResult r = LyapEmaUpdate.decide(LyapEmaState.initial(config, 0), config, kernel, 1e-3, 1.0);
            assertEquals(alphaRef, r.decision().alpha(), 1e-12, "α₁ = alpha_ref");
            assertEquals(config.logitAlphaRef() / r.decision().distance(), r.state().gamma(), 0.0, "gamma = logit(alpha_ref)/d₁");
        }
        // fixed mode: gamma comes from the config and is used as is
        LyapEmaConfig fixed = DEFAULTS.withFixedGamma(40.0);
        LyapEmaState initial = LyapEmaState.initial(fixed, 0);
        assertEquals(40.0, initial.gamma());
        ScriptedKernel k = ScriptedKernel.constant(0.01, 1e-6);
        LyapEmaResult r = LyapEmaUpdate.decide(initial, fixed, k, 1e-3, 1.0);
        assertEquals(LyapEmaUpdate.alpha(40.0, 0.01), r.decision().alpha(), 0.0);
        assertEquals(40.0, r.state().gamma());
    }

    @Test
    void R_L10_frozenElementsTakeNoPartInDistanceLyapunovOrPull() {
        ParameterSet set = parameters(31);
        Set<String> frozenNames = Set.of("frozen.weight");
        AdamW opt = new AdamW(set, 0.9, 0.999, 1e-8, 0.05, frozenNames);
        TrainableRanges trainable = TrainableRanges.of(set, frozenNames);
        int frozenStart = set.get("frozen.weight").offset(), frozenEnd = frozenStart + set.get("frozen.weight").size();
        assertEquals(set.count() - 12, trainable.trainableCount());
        fill(set.flatGrads().data, 32, 1);
        float[] u = new float[set.count()];
        opt.updateMoments(set.flatGrads().data, u);
        float[] student = set.flatValues().toArray(), teacher = new float[set.count()];
        fill(teacher, 33, 0.5);
        float[] otherTeacher = teacher.clone();
        for (int i = frozenStart; i < frozenEnd; i++) otherTeacher[i] += 100f;   // only the frozen part differs

        double[] dv = new double[4];
        float[][] outs = new float[4][];
        int k = 0;
        for (float[] t : new float[][] {teacher, otherTeacher}) {
            float[] sOut = new float[set.count()], tOut = new float[set.count()];
            FloatLyapEmaKernel kernel = new FloatLyapEmaKernel(student, t, u, opt::apply, 0.05, trainable, sOut, tOut);
            dv[2 * k] = kernel.proposeStudent(1e-2, 0.1, LyapEmaConfig.Pull.IMPLICIT);
            dv[2 * k + 1] = kernel.proposeTeacher(0.8);
            outs[2 * k] = sOut;
            outs[2 * k + 1] = tOut;
            k++;
        }
        assertEquals(dv[0], dv[2], 0.0, "d ignores frozen elements");
        assertEquals(dv[1], dv[3], 0.0, "V ignores frozen elements");
        for (int i = frozenStart; i < frozenEnd; i++) {
            assertEquals(student[i], outs[0][i], 0f, "frozen student element is neither stepped nor pulled");
            assertEquals(student[i], outs[2][i], 0f);
            assertEquals(0.8f * teacher[i] + (float) (1 - 0.8) * student[i], outs[1][i], 0f, "the teacher still averages it");
        }
        boolean trainablePulled = false;
        for (int i = 0; i < frozenStart; i++) trainablePulled |= outs[0][i] != outs[2][i] || outs[0][i] != student[i];
        assertTrue(trainablePulled, "trainable elements move");
        assertEquals(FloatLyapEmaKernel.lyapunov(outs[0], outs[1], trainable), dv[1], 0.0, "the static V is the kernel's V, bit for bit");
    }

    @Test
    void floatKernelMatchesTheDoubleReferenceAndIsIndependentOfTheThreadCount() {
        int n = 3 * FloatLyapEmaKernel.CHUNK + 123;
        float[] student = new float[n], teacher = new float[n], u = new float[n];
        fill(student, 41, 1);
        fill(teacher, 42, 1);
        fill(u, 43, 1);
        TrainableRanges trainable = TrainableRanges.of(n, new int[] {10, 40_000, 70_000}, new int[] {30_000, 65_000, n - 5});
        FloatLyapEmaKernel.DecoupledStep plain = (from, dir, lr, wd, to) -> {
            for (int i = 0; i < from.length; i++) to[i] = trainable.contains(i) ? from[i] - (float) lr * dir[i] : from[i];
        };
        double[] results = new double[4];
        float[][] outputs = new float[4][];
        int[] threadCounts = {1, 3};
        int threadsBefore = org.semivim.engine.ops.Parallel.threads();
        try {
            for (int run = 0; run < 2; run++) {
                org.semivim.engine.ops.Parallel.setThreads(threadCounts[run]);
                float[] sOut = new float[n], tOut = new float[n];
                FloatLyapEmaKernel kernel = new FloatLyapEmaKernel(student, teacher, u, plain, 0.0, trainable, sOut, tOut);
                results[2 * run] = kernel.proposeStudent(1e-2, 0.05, LyapEmaConfig.Pull.IMPLICIT);
                results[2 * run + 1] = kernel.proposeTeacher(0.7);
                outputs[2 * run] = sOut;
                outputs[2 * run + 1] = tOut;
            }
        } finally {
            org.semivim.engine.ops.Parallel.setThreads(threadsBefore);
        }
        assertEquals(results[0], results[2], 0.0, "d does not depend on the thread count");
        assertEquals(results[1], results[3], 0.0, "V does not depend on the thread count");
        assertArrayEquals(outputs[0], outputs[2]);
        assertArrayEquals(outputs[1], outputs[3]);

        double[] ds = new double[n], dt = new double[n], du = new double[n];
        for (int i = 0; i < n; i++) {
            ds[i] = student[i];
            dt[i] = teacher[i];
            du[i] = u[i];
        }
        double[] sOut = new double[n], tOut = new double[n];
        DoubleLyapEmaKernel ref = new DoubleLyapEmaKernel(ds, dt, du, new double[n], trainable, sOut, tOut);
        double d = ref.proposeStudent(1e-2, 0.05, LyapEmaConfig.Pull.IMPLICIT);
        double v = ref.proposeTeacher(0.7);
        // float elementwise rounding (~6e-8 relative per element, values of order 1) on differences of
        // order 1: d and V agree to ~1e-6 relative; the outputs to a few float ulps.
        assertEquals(d, results[0], 1e-6 * d);
        assertEquals(v, results[1], 1e-5 * v);
        for (int i = 0; i < n; i += 97) {
            assertEquals(sOut[i], outputs[0][i], 1e-6 * (1 + Math.abs(sOut[i])), "student " + i);
            assertEquals(tOut[i], outputs[1][i], 1e-6 * (1 + Math.abs(tOut[i])), "teacher " + i);
        }
    }

    @Test
    void nonFiniteValuesAreDetectedAndNeverCommitted() {
        ParameterSet set = parameters(51);
        AdamW opt = new AdamW(set, 0.05);
        float[] student = set.flatValues().toArray(), teacher = student.clone(), u = new float[set.count()];
        fill(u, 52, 1);
        float[] sOut = new float[set.count()], tOut = new float[set.count()];
        TrainableRanges all = TrainableRanges.all(set.count());
        LyapEmaState state = new LyapEmaState(1, 0.01, 1e-3, 10.0, 4, 1);

        float[] badU = u.clone();
        badU[3] = Float.NaN;
        assertTrue(FloatLyapEmaKernel.allFinite(u));
        assertFalse(FloatLyapEmaKernel.allFinite(badU), "the loop's check on the raw gradient before the moments are updated");
        float[] bigWithInf = new float[2 * FloatLyapEmaKernel.CHUNK + 5];
        bigWithInf[bigWithInf.length - 1] = Float.NEGATIVE_INFINITY;
        assertFalse(FloatLyapEmaKernel.allFinite(bigWithInf), "found in the last chunk too");
        LyapEmaResult r = LyapEmaUpdate.decide(state, DEFAULTS, new FloatLyapEmaKernel(student, teacher, badU, opt::apply, 0.05, all, sOut, tOut),
                1e-3, 1.0);
        assertEquals(LyapEmaDecision.Skip.NON_FINITE_DIRECTION, r.decision().skip());
        assertArrayEquals(student, sOut, "a skipped step leaves the student unchanged");
        assertArrayEquals(teacher, tOut, "and the teacher");

        float[] badTeacher = teacher.clone();
        badTeacher[set.get("frozen.weight").offset()] = Float.POSITIVE_INFINITY;      // outside d's view only if frozen; here all trainable
        LyapEmaResult r2 = LyapEmaUpdate.decide(state, DEFAULTS,
                new FloatLyapEmaKernel(student, badTeacher, u, opt::apply, 0.05, all, sOut, tOut), 1e-3, 1.0);
        assertEquals(LyapEmaDecision.Skip.NON_FINITE_CANDIDATE, r2.decision().skip());
        assertSame(state, r2.state());
        assertArrayEquals(student, sOut);

        // an Inf only in a frozen element (outside d and V) is still caught by the output check
        TrainableRanges noFrozen = TrainableRanges.of(set, Set.of("frozen.weight"));
        LyapEmaResult r3 = LyapEmaUpdate.decide(state, DEFAULTS,
                new FloatLyapEmaKernel(student, badTeacher, u, opt::apply, 0.05, noFrozen, sOut, tOut), 1e-3, 1.0);
        assertEquals(LyapEmaDecision.Skip.NON_FINITE_CANDIDATE, r3.decision().skip());
        assertFalse(r3.committed());
        assertArrayEquals(badTeacher, tOut, "the outputs hold the saved values again");
    }

    @Test
    void outputsMustNotAliasTheSavedState() {
        float[] a = new float[5], b = new float[5], u = new float[5], out = new float[5];
        FloatLyapEmaKernel.DecoupledStep none = (from, dir, lr, wd, to) -> {};
        assertThrows(IllegalArgumentException.class, () -> new FloatLyapEmaKernel(a, b, u, none, 0, TrainableRanges.all(5), a, out));
        assertThrows(IllegalArgumentException.class, () -> new FloatLyapEmaKernel(a, b, u, none, 0, TrainableRanges.all(5), out, b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FloatLyapEmaKernel(a, b, u, none, 0, TrainableRanges.all(6), out, new float[5]));
        assertTrue(e.getMessage().contains("length 5") && e.getMessage().contains("6"), e.getMessage());
    }
}
