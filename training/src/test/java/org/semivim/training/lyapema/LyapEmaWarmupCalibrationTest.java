package org.semivim.training.lyapema;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.rng.CounterRng;

/**
 * R-L5 refined for warm-up (docs/methods.md, "Gamma calibration under warm-up"): gamma is calibrated
 * against the distance the first step would have at the schedule's PEAK lr, not at its own tiny
 * warm-up lr. Under warm-up the literal rule takes d₁ from a step 1/W the size of the later ones, so
 * gamma·d soon exceeds ~37 and α saturates to exactly 1.0: the teacher freezes.
 */
class LyapEmaWarmupCalibrationTest {
    private static final LyapEmaConfig DEFAULTS = LyapEmaConfig.defaults();

    /** The toy random walk of §2.5.4 (2 000 dims, drift 0.3) under a warm-up + cosine schedule. */
    private static final class ToyRun {
        final int n = 2000;
        float[] student = new float[n], teacher = new float[n], studentOut = new float[n], teacherOut = new float[n];
        final float[] u = new float[n];
        LyapEmaState state = LyapEmaState.initial(DEFAULTS, 0);
        final FloatLyapEmaKernel.DecoupledStep sgdLike = (from, dir, rate, wd, to) -> {
            for (int i = 0; i < from.length; i++) to[i] = from[i] - (float) rate * dir[i];
        };

        /** Runs steps 0..steps−1; returns α of every step. {@code peakLr} NaN: calibrate at the scheduled lr (R-L5 as written). */
        double[] run(LrSchedule schedule, int steps, double peakLr) {
            CounterRng noise = CounterRng.of(2024, "test.lyapema.warmup");
            double[] alpha = new double[steps];
            for (int t = 0; t < steps; t++) {
                CounterRng stepNoise = noise.derive(t);
                for (int i = 0; i < n; i++) u[i] = (float) (0.3 + stepNoise.normal(i));
                double lr = schedule.at(t);
                LyapEmaKernel kernel = new FloatLyapEmaKernel(student, teacher, u, sgdLike, 0, TrainableRanges.all(n), studentOut, teacherOut);
                LyapEmaResult r = Double.isNaN(peakLr) ? LyapEmaUpdate.decide(state, DEFAULTS, kernel, lr, 1.0)
                        : LyapEmaUpdate.decide(state, DEFAULTS, kernel, lr, peakLr, 1.0);
                assertTrue(r.committed());
                alpha[t] = r.decision().alpha();
                state = r.state();
                float[] swap = student;
                student = studentOut;
                studentOut = swap;
                swap = teacher;
                teacher = teacherOut;
                teacherOut = swap;
            }
            return alpha;
        }
    }

    @Test
    void afterWarmUpAlphaIsNotStuckAtOneWhenGammaIsCalibratedAtThePeakLr() {
        int steps = 600, warmup = 100;
        double peak = 1e-3;
        LrSchedule schedule = LrSchedule.warmupCosine(peak, 1e-6, warmup, steps);

        ToyRun literalRun = new ToyRun();
        double[] literal = literalRun.run(schedule, steps, Double.NaN);
        ToyRun refined = new ToyRun();
        double[] alpha = refined.run(schedule, steps, peak);

        // the problem: calibrated on step 1 at lr peak/100, α is 1 − 1e-9 or closer on every one of the 200 steps after
        // warm-up (lr still ≥ 0.8·peak): 1 − α is far below float32 resolution, so the teacher is frozen. (As the cosine
        // takes the lr towards min_lr, d shrinks and α comes down again, towards ½ at the end.)
        int window = 200;
        for (int t = warmup; t < warmup + window; t++) {
            assertTrue(literal[t] > 1 - 1e-9, "literal R-L5 under warm-up, step " + t + ": " + literal[t]);
        }
        // the fix: α stays a working EMA momentum, well below 1, on every step after warm-up
        double max = 0, sum = 0;
        for (int t = warmup; t < steps; t++) max = Math.max(max, alpha[t]);
        for (int t = warmup; t < warmup + window; t++) sum += alpha[t];
        double mean = sum / window;
        assertTrue(max < 0.99, "α after warm-up stays below alpha_ref (s and lam saturate as in §2.5.4): max " + max);
        assertTrue(mean > 0.5 && mean < 0.7, "α after warm-up settles like the no-warm-up toy run (about 0.58): mean " + mean);
        // the literal rule's gamma came from step 1 (lr = peak/100); the refined one from step 0 probed at the peak lr
        assertTrue(refined.state.gamma() < literalRun.state.gamma() / 50, "gamma " + refined.state.gamma() + " vs " + literalRun.state.gamma());
    }

    @Test
    void gammaIsLogitAlphaRefOverTheDistanceAtThePeakLrAndTheProbeLeavesNoTrace() {
        int n = 300;
        double[] student = new double[n], u = new double[n];
        CounterRng rng = CounterRng.of(5, "test.lyapema.probe");
        for (int i = 0; i < n; i++) {
            student[i] = rng.normal(i);
            u[i] = rng.normal(n + i);
        }
        double[] teacher = student.clone();
        double scheduled = 2e-5, peak = 1e-3;

        // the distance of the same first attempt at the peak lr, measured on its own kernel
        double[] sOut = new double[n], tOut = new double[n];
        DoubleLyapEmaKernel atPeak = new DoubleLyapEmaKernel(student, teacher, u, new double[n], TrainableRanges.all(n), sOut, tOut);
        double dPeak = atPeak.proposeStudent(peak, DEFAULTS.lam0(), DEFAULTS.pull());

        double[] sProbe = new double[n], tProbe = new double[n];
        LyapEmaResult r = LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS, 0), DEFAULTS,
                new DoubleLyapEmaKernel(student, teacher, u, new double[n], TrainableRanges.all(n), sProbe, tProbe), scheduled, peak, 1.0);
        assertEquals(DEFAULTS.logitAlphaRef() / dPeak, r.state().gamma(), 0.0, "gamma = logit(alpha_ref)/d(peak lr)");
        assertEquals(scheduled, r.decision().learningRate(), 0.0, "the step itself runs at the scheduled lr");
        assertEquals(LyapEmaUpdate.alpha(r.state().gamma(), r.decision().distance()), r.decision().alpha(), 0.0);
        assertTrue(r.decision().alpha() > 0.5 && r.decision().alpha() < DEFAULTS.alphaRef(), "α₁ below alpha_ref at a warm-up lr");

        // the committed student is the plain attempt at the scheduled lr: the probe's output was overwritten
        double[] sPlain = new double[n], tPlain = new double[n];
        LyapEmaResult plain = LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS.withFixedGamma(r.state().gamma()), 0),
                DEFAULTS.withFixedGamma(r.state().gamma()),
                new DoubleLyapEmaKernel(student, teacher, u, new double[n], TrainableRanges.all(n), sPlain, tPlain), scheduled, 1.0);
        assertArrayEquals(sPlain, sProbe, 0.0);
        assertArrayEquals(tPlain, tProbe, 0.0);
        assertEquals(plain.decision().distance(), r.decision().distance(), 0.0);
    }

    @Test
    void atThePeakLrTheRefinedRuleIsTheLiteralOneAndAZeroCalibrationLrDefers() {
        ScriptedKernel literal = ScriptedKernel.constant(0.02, 1e-6), refined = ScriptedKernel.constant(0.02, 1e-6);
        LyapEmaResult a = LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS, 0), DEFAULTS, literal, 1e-3, 1.0);
        LyapEmaResult b = LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS, 0), DEFAULTS, refined, 1e-3, 1e-3, 1.0);
        assertEquals(a, b);
        assertEquals(literal.students, refined.students, "no probe when the scheduled lr is the peak lr");

        // a calibration lr of 0 gives d_ref = 0 on a copy: calibration is deferred as R-L5 defers d = 0
        double[] x = {1, 2, 3}, dir = {1, 1, 1};
        LyapEmaResult deferred = LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS, 0), DEFAULTS,
                new DoubleLyapEmaKernel(x, x.clone(), dir, new double[3], TrainableRanges.all(3), new double[3], new double[3]), 1e-3, 0.0, 1.0);
        assertNull(deferred.state().gamma());
        assertEquals(0.5, deferred.decision().alpha(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(LyapEmaState.initial(DEFAULTS, 0), DEFAULTS,
                ScriptedKernel.constant(0.02, 1e-6), 1e-3, Double.NaN, 1.0));
    }
}
