package org.semivim.training.lyapema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The decision part of LyapEMA (R-L6…R-L9, skipping) on a scripted kernel, so every d and V is exact.
 * The arithmetic of STEP is tested on real parameters in {@link LyapEmaArithmeticTest}.
 */
class LyapEmaDecisionRulesTest {
    private static final LyapEmaConfig DEFAULTS = LyapEmaConfig.defaults();
    private static final double LR = 1e-3;

    private static LyapEmaState stateWith(double s, double lam, double vPrev) {
        return new LyapEmaState(s, lam, vPrev, 5.0, 10, 0);
    }

    @Test
    void R_L6_armingSkipsFirstStepWhenTeacherIsACopy() {
        // teacher = copy of the student: V₀ = 0, so V₁ ≥ V₀ always holds; the check must not fire
        LyapEmaState start = LyapEmaState.initial(DEFAULTS, 0.0);
        ScriptedKernel kernel = ScriptedKernel.constant(0.02, 0.5 * 0.99 * 0.99 * 0.02 * 0.02);
        LyapEmaResult r = LyapEmaUpdate.decide(start, DEFAULTS, kernel, LR, 1.0);
        assertFalse(r.decision().violated());
        assertEquals(0, r.decision().retries());
        assertEquals(1, kernel.students.size(), "one attempt, no retry");
        assertEquals(1.0, r.state().s());
        assertEquals(DEFAULTS.lam0(), r.state().lam());

        // a student that never moves keeps V = 0 forever: every step is disarmed, no loop, no violation
        ScriptedKernel still = ScriptedKernel.constant(0.0, 0.0);
        LyapEmaState s = start;
        for (int t = 0; t < 100; t++) {
            LyapEmaResult step = LyapEmaUpdate.decide(s, DEFAULTS, still, 0.0, 1.0);
            assertFalse(step.decision().violated());
            s = step.state();
        }
        assertEquals(100, still.students.size(), "exactly one attempt per step");
        assertEquals(0, s.violations());

        // once V_prev > 0 the check is armed
        LyapEmaResult armed = LyapEmaUpdate.decide(stateWith(1, 0.01, 1e-6), DEFAULTS, ScriptedKernel.constant(0.1, 2e-6), LR, 1.0);
        assertTrue(armed.decision().violated());
    }

    @Test
    void R_L7_oneRetryFromTheSavedStateComparedWithTheSameVPrev() {
        double vPrev = 1e-4;
        // first attempt (lr = LR) violates, the retry (lr = LR/2) does not
        ScriptedKernel kernel = new ScriptedKernel((lr, lam) -> lr == LR ? new double[] {0.2, 2e-4} : new double[] {0.05, 5e-5});
        LyapEmaResult r = LyapEmaUpdate.decide(stateWith(1, 0.01, vPrev), DEFAULTS, kernel, LR, 1.0);
        assertEquals(2, kernel.students.size(), "first attempt + one retry; no other work is requested");
        assertEquals(LR / 2, kernel.students.get(1).learningRate(), 0.0, "the retry halves s");
        assertEquals(0.02, kernel.students.get(1).lam(), 1e-15, "and raises lam");
        assertTrue(r.decision().violated());
        assertFalse(r.decision().stillViolatedAfterRetry());
        assertEquals(1, r.decision().retries());
        assertEquals(vPrev, r.decision().lyapunovPrev(), "the retry is compared with the accepted V of the last step");
        assertEquals(2e-4, r.decision().firstLyapunov());
        assertEquals(5e-5, r.state().vPrev(), "V_prev becomes the accepted value, never the rejected one");

        // a retry that still violates is accepted after r_max = 1 retries and flagged
        ScriptedKernel always = ScriptedKernel.constant(0.2, 3e-4);
        LyapEmaResult still = LyapEmaUpdate.decide(stateWith(1, 0.01, vPrev), DEFAULTS, always, LR, 1.0);
        assertEquals(2, always.students.size());
        assertTrue(still.decision().stillViolatedAfterRetry());
        assertEquals(3e-4, still.state().vPrev());
        assertEquals(0, always.keepPreviousCalls, "accepted, so committed");

        // r_max = 3: up to three retries, each halving again, each compared with the same V_prev
        LyapEmaConfig threeRetries = new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.99, null, 0.01, 0.01, 0.1, 1.0 / 64, 3,
                LyapEmaConfig.Pull.IMPLICIT);
        ScriptedKernel three = ScriptedKernel.constant(0.2, 3e-4);
        LyapEmaResult r3 = LyapEmaUpdate.decide(stateWith(1, 0.01, vPrev), threeRetries, three, LR, 1.0);
        assertEquals(4, three.students.size());
        assertEquals(3, r3.decision().retries());
        assertEquals(0.125, r3.state().s());
        assertEquals(LR / 8, three.students.get(3).learningRate(), 1e-18);
    }

    @Test
    void R_L8_boundsAfterKViolations() {
        // every attempt has a larger V than any before: every step violates, and its retry too
        double[] v = {1e-6};
        ScriptedKernel growing = new ScriptedKernel((lr, lam) -> new double[] {0.1, v[0] *= 1.5});
        LyapEmaState s = stateWith(1, DEFAULTS.lam0(), 1e-6);
        for (int k = 1; k <= 12; k++) {
            LyapEmaResult r = LyapEmaUpdate.decide(s, DEFAULTS, growing, LR, 1.0);
            s = r.state();
            assertTrue(r.decision().violated());
            assertEquals(Math.max(Math.pow(2, -k), DEFAULTS.sMin()), s.s(), 0.0, "s after " + k + " violations");
            assertEquals(Math.min(DEFAULTS.lam0() + k * DEFAULTS.dlam(), DEFAULTS.lamMax()), s.lam(), 1e-15, "lam after " + k + " violations");
            assertTrue(s.s() >= DEFAULTS.sMin() && s.lam() <= DEFAULTS.lamMax());
            assertEquals(k, s.violations());
        }
        // the changes are permanent: a calm step afterwards keeps s and lam
        LyapEmaResult calm = LyapEmaUpdate.decide(s, DEFAULTS, ScriptedKernel.constant(1e-3, 1e-12), LR, 1.0);
        assertFalse(calm.decision().violated());
        assertEquals(DEFAULTS.sMin(), calm.state().s());
        assertEquals(DEFAULTS.lamMax(), calm.state().lam());
        assertEquals(DEFAULTS.sMin() * LR, calm.decision().learningRate(), 0.0, "effective lr = s·η_sched");
    }

    @Test
    void R_L9_equalLyapunovCountsAsAViolation() {
        double vPrev = 2.5e-5;
        LyapEmaResult equal = LyapEmaUpdate.decide(stateWith(1, 0.01, vPrev), DEFAULTS, ScriptedKernel.constant(0.1, vPrev), LR, 1.0);
        assertTrue(equal.decision().violated(), "V = V_prev is a violation ('≥', Alg. 1 line 7)");
        LyapEmaResult below = LyapEmaUpdate.decide(stateWith(1, 0.01, vPrev), DEFAULTS,
                ScriptedKernel.constant(0.1, Math.nextDown(vPrev)), LR, 1.0);
        assertFalse(below.decision().violated());
    }

    @Test
    void nonFiniteLossDirectionOrLyapunovSkipsTheStepAndCommitsNothing() {
        LyapEmaState state = stateWith(0.5, 0.02, 1e-4);
        for (double loss : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            ScriptedKernel k = ScriptedKernel.constant(0.1, 1e-5);
            LyapEmaResult r = LyapEmaUpdate.decide(state, DEFAULTS, k, LR, loss);
            assertSame(state, r.state(), "state unchanged");
            assertEquals(LyapEmaDecision.Skip.NON_FINITE_LOSS, r.decision().skip());
            assertEquals(0, k.students.size(), "nothing proposed");
            assertEquals(1, k.keepPreviousCalls, "outputs reset to the saved parameters");
        }
        ScriptedKernel badDirection = new ScriptedKernel((lr, lam) -> new double[] {0.1, 1e-5}, false);
        LyapEmaResult r = LyapEmaUpdate.decide(state, DEFAULTS, badDirection, LR, 1.0);
        assertEquals(LyapEmaDecision.Skip.NON_FINITE_DIRECTION, r.decision().skip());
        assertSame(state, r.state());

        for (double[] dv : new double[][] {{Double.NaN, 1e-5}, {0.1, Double.NaN}, {0.1, Double.POSITIVE_INFINITY}}) {
            ScriptedKernel k = ScriptedKernel.constant(dv[0], dv[1]);
            LyapEmaResult bad = LyapEmaUpdate.decide(state, DEFAULTS, k, LR, 1.0);
            assertEquals(LyapEmaDecision.Skip.NON_FINITE_CANDIDATE, bad.decision().skip());
            assertFalse(bad.committed());
            assertSame(state, bad.state());
            assertEquals(1, k.keepPreviousCalls);
        }
        // a retry that produces NaN is not committed either, and s, lam are not changed by the skipped step
        ScriptedKernel nanOnRetry = new ScriptedKernel((lr, lam) -> lr == LR / 2 ? new double[] {0.1, Double.NaN} : new double[] {0.1, 1e-3});
        LyapEmaResult retryNan = LyapEmaUpdate.decide(new LyapEmaState(1, 0.01, 1e-4, 5.0, 3, 0), DEFAULTS, nanOnRetry, LR, 1.0);
        assertEquals(LyapEmaDecision.Skip.NON_FINITE_CANDIDATE, retryNan.decision().skip());
        assertEquals(1.0, retryNan.state().s());
        assertEquals(1e-4, retryNan.state().vPrev());
        assertEquals(1, nanOnRetry.keepPreviousCalls);
    }

    @Test
    void calibrationIsDeferredWhileTheDistanceIsZero() {
        LyapEmaState start = LyapEmaState.initial(DEFAULTS, 0.0);
        ScriptedKernel zero = ScriptedKernel.constant(0.0, 0.0);
        LyapEmaResult r1 = LyapEmaUpdate.decide(start, DEFAULTS, zero, 0.0, 1.0);
        assertNull(r1.state().gamma(), "d₁ = 0: no calibration yet (R-L5)");
        assertEquals(0.5, r1.decision().alpha(), "α = ½ until calibrated");
        ScriptedKernel moving = ScriptedKernel.constant(0.03, 1e-5);
        LyapEmaResult r2 = LyapEmaUpdate.decide(r1.state(), DEFAULTS, moving, LR, 1.0);
        assertEquals(DEFAULTS.logitAlphaRef() / 0.03, r2.state().gamma(), 0.0);
        assertEquals(0.99, r2.decision().alpha(), 1e-12);
        LyapEmaResult r3 = LyapEmaUpdate.decide(r2.state(), DEFAULTS, ScriptedKernel.constant(0.06, 1e-6), LR, 1.0);
        assertEquals(r2.state().gamma(), r3.state().gamma(), "gamma is fixed once calibrated");
    }

    @Test
    void stateOutsideTheConfiguredBoundsOrBadLearningRateIsRefused() {
        ScriptedKernel k = ScriptedKernel.constant(0.1, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(stateWith(1.0 / 32, 0.01, 0), DEFAULTS, k, LR, 1));
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(stateWith(1, 0.2, 0), DEFAULTS, k, LR, 1));
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(stateWith(1, 0.01, 0), DEFAULTS, k, -1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(stateWith(1, 0.01, 0), DEFAULTS, k, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> LyapEmaUpdate.decide(stateWith(1, 0.01, 0), DEFAULTS.withFixedGamma(3.0), k, LR, 1),
                "fixed-gamma config with another gamma in the state");
    }
}
