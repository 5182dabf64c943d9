package org.semivim.training.lyapema;

/**
 * The LyapEMA accept/recompute decision (Semi-ViM Alg. 1, resolved in ssl-spec.md §2.5.3): a pure
 * function of (state, config, the candidate update of this step). Per step, with u the Adam direction
 * computed once from ∇L(θS_{t−1}):
 * <pre>
 *   STEP(s, lam):  θS' = pull(θ~(s·η_sched), lam)          d = ‖θS' − θT_prev‖   α = sigmoid(gamma·d)
 *                  θT' = α·θT_prev + (1 − α)·θS'            V = ½‖θS' − θT'‖²  (= ½α²d²)
 *   if V_prev &gt; 0 and V ≥ V_prev:   s ← max(s/2, s_min), lam ← min(lam + dlam, lam_max),
 *                                   redo STEP from the saved θS_prev, θT_prev with the same u
 *                                   (at most r_max times, each compared with the same V_prev)
 *   commit θS', θT', V_prev ← V
 * </pre>
 * A NaN or infinite loss, direction u, d or V (or proposed parameter) skips the step: nothing is
 * committed, the state is returned unchanged and the decision says why. The caller must also keep a
 * non-finite gradient away from the Adam moments (check it with {@link FloatLyapEmaKernel#allFinite} before
 * {@code AdamW.updateMoments}), since
 * moments are updated once per step and never rolled back (R-L2).
 *
 * <p>Rules: R-L1 (implicit pull with the lagged teacher), R-L2 (lr s·η_sched, same u on retries),
 * R-L3 (α), R-L4 (teacher, V), R-L5 (calibrated gamma), R-L6 (arming), R-L7 (retries), R-L8 (bounds,
 * permanent), R-L9 (≥). The decision needs no forward or backward pass: a retry cannot cost one.
 */
public final class LyapEmaUpdate {
    private LyapEmaUpdate() {}

    /**
     * Decides step t. {@code scheduledLr} is η_sched(t) (≥ 0), {@code loss} the step's loss value (only
     * checked for NaN/Inf). The committed parameters end up in the kernel's outputs.
     */
    public static LyapEmaResult decide(LyapEmaState state, LyapEmaConfig config, LyapEmaKernel kernel, double scheduledLr, double loss) {
        return decide(state, config, kernel, scheduledLr, scheduledLr, loss);
    }

    /**
     * Decides step t, calibrating gamma (while it is not yet known, calibrated mode) against the
     * distance the same first attempt would have had at {@code calibrationLr} instead of η_sched(t)
     * (R-L5 refined, docs/methods.md "Gamma calibration under warm-up"): the loop passes the peak
     * learning rate of its schedule, so a warm-up step with a tiny η_sched(t) does not set gamma from
     * a tiny d. When {@code calibrationLr} equals {@code scheduledLr} this is exactly R-L5 (no probe).
     */
    public static LyapEmaResult decide(LyapEmaState state, LyapEmaConfig config, LyapEmaKernel kernel, double scheduledLr,
                                       double calibrationLr, double loss) {
        if (!(scheduledLr >= 0) || Double.isInfinite(scheduledLr)) {
            throw new IllegalArgumentException("LyapEMA scheduled learning rate must be finite and >= 0, got " + scheduledLr);
        }
        if (!(calibrationLr >= 0) || Double.isInfinite(calibrationLr)) {
            throw new IllegalArgumentException("LyapEMA calibration learning rate must be finite and >= 0, got " + calibrationLr);
        }
        requireWithinConfig(state, config);
        long step = state.steps() + 1;
        if (!Double.isFinite(loss)) return skip(state, kernel, step, scheduledLr, null, LyapEmaDecision.Skip.NON_FINITE_LOSS);
        if (!kernel.directionFinite()) return skip(state, kernel, step, scheduledLr, null, LyapEmaDecision.Skip.NON_FINITE_DIRECTION);

        double s = state.s(), lam = state.lam(), vPrev = state.vPrev();
        Attempt first = attempt(kernel, config, s, lam, scheduledLr, calibrationLr, state.gamma(), true);
        if (!first.finite()) return skip(state, kernel, step, scheduledLr, first, LyapEmaDecision.Skip.NON_FINITE_CANDIDATE);
        Double gamma = first.gamma();                         // calibrated at most once, on a first attempt (R-L5)

        boolean armed = vPrev > 0;                            // R-L6: V_prev = 0 (teacher = student) disarms the check
        boolean violated = armed && first.v() >= vPrev;       // R-L9: '≥' as in Alg. 1 line 7
        Attempt accepted = first;
        int retries = 0;
        while (armed && accepted.v() >= vPrev && retries < config.rMax()) {
            s = Math.max(s / 2, config.sMin());               // R-L8: bounded, permanent
            lam = Math.min(lam + config.dlam(), config.lamMax());
            retries++;
            accepted = attempt(kernel, config, s, lam, scheduledLr, calibrationLr, gamma, false);   // R-L7: same u, same saved state
            if (!accepted.finite()) return skip(state, kernel, step, scheduledLr, accepted, LyapEmaDecision.Skip.NON_FINITE_CANDIDATE);
        }
        boolean stillViolated = violated && accepted.v() >= vPrev;

        LyapEmaState next = new LyapEmaState(s, lam, accepted.v(), gamma, step, state.violations() + (violated ? 1 : 0));
        LyapEmaDecision decision = new LyapEmaDecision(step, scheduledLr, s * scheduledLr, accepted.alpha(), accepted.d(),
                accepted.v(), vPrev, first.v(), s, lam, gamma, violated, stillViolated, retries, LyapEmaDecision.Skip.NONE);
        return new LyapEmaResult(next, decision);
    }

    /** α = 1/(1 + exp(−gamma·d)) (Eq. 9): ½ at d = 0, increasing in d, saturating at exactly 1.0, never NaN for finite gamma·d ≥ 0. */
    public static double alpha(double gamma, double d) {
        return 1 / (1 + Math.exp(-gamma * d));
    }

    /** The result of one STEP(s, lam). */
    private record Attempt(double d, double alpha, double v, Double gamma) {
        boolean finite() {
            return Double.isFinite(d) && Double.isFinite(v);
        }
    }

    private static Attempt attempt(LyapEmaKernel kernel, LyapEmaConfig config, double s, double lam, double scheduledLr,
                                   double calibrationLr, Double gamma, boolean mayCalibrate) {
        boolean calibrating = gamma == null && mayCalibrate && config.gammaMode() == LyapEmaConfig.GammaMode.CALIBRATED;
        double dRef = Double.NaN;
        if (calibrating && calibrationLr != scheduledLr) {
            dRef = kernel.proposeStudent(s * calibrationLr, lam, config.pull());   // probe; the attempt below overwrites its output
        }
        double d = kernel.proposeStudent(s * scheduledLr, lam, config.pull());
        if (!Double.isFinite(d)) return new Attempt(d, Double.NaN, Double.NaN, gamma);
        if (calibrating && calibrationLr == scheduledLr) dRef = d;
        if (calibrating && Double.isFinite(dRef) && dRef > 0) {
            double calibrated = config.logitAlphaRef() / dRef;   // R-L5: α(d_ref) = alpha_ref
            if (Double.isFinite(calibrated)) gamma = calibrated;
        }
        double alpha = gamma == null ? 0.5 : alpha(gamma, d);  // before calibration α = ½ (R-L5)
        double v = kernel.proposeTeacher(alpha);
        return new Attempt(d, alpha, v, gamma);
    }

    private static LyapEmaResult skip(LyapEmaState state, LyapEmaKernel kernel, long step, double scheduledLr, Attempt last,
                                      LyapEmaDecision.Skip reason) {
        kernel.keepPrevious();
        double nan = Double.NaN;
        LyapEmaDecision decision = new LyapEmaDecision(step, scheduledLr, state.s() * scheduledLr,
                last == null ? nan : last.alpha(), last == null ? nan : last.d(), last == null ? nan : last.v(), state.vPrev(),
                last == null ? nan : last.v(), state.s(), state.lam(), state.gamma(), false, false, 0, reason);
        return new LyapEmaResult(state, decision);
    }

    private static void requireWithinConfig(LyapEmaState state, LyapEmaConfig config) {
        if (state.s() < config.sMin()) throw new IllegalArgumentException("LyapEMA state s " + state.s() + " is below s_min " + config.sMin());
        if (state.lam() > config.lamMax()) throw new IllegalArgumentException("LyapEMA state lam " + state.lam() + " exceeds lam_max " + config.lamMax());
        if (config.gammaMode() == LyapEmaConfig.GammaMode.FIXED && !config.fixedGamma().equals(state.gamma())) {
            throw new IllegalArgumentException("LyapEMA state gamma " + state.gamma() + " differs from the fixed gamma " + config.fixedGamma());
        }
    }
}
