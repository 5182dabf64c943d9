package org.semivim.training.lyapema;

/**
 * What LyapEMA carries from one step to the next (ssl-spec.md §2.5.3): an immutable value, so a
 * checkpoint can store it as JSON and a decision can be replayed from it.
 *
 * @param s          learning-rate multiplier, in [s_min, 1]; halvings are permanent (R-L8)
 * @param lam        stability coefficient, in [0, lam_max]; increases are permanent (R-L8)
 * @param vPrev      V of the last committed step, ½‖θS − θT‖² (R-L4); 0 disarms the check (R-L6)
 * @param gamma      the sensitivity of Eq. 9; null while a calibrated gamma is not yet measured (R-L5)
 * @param steps      committed steps so far (skipped steps are not counted)
 * @param violations committed steps on which the check fired
 */
public record LyapEmaState(double s, double lam, double vPrev, Double gamma, long steps, long violations) {

    public LyapEmaState {
        if (!(s > 0 && s <= 1)) throw new IllegalArgumentException("LyapEMA state: s must be in (0, 1], got " + s);
        if (!(lam >= 0) || Double.isInfinite(lam)) throw new IllegalArgumentException("LyapEMA state: lam must be finite and >= 0, got " + lam);
        if (!(vPrev >= 0) || Double.isInfinite(vPrev)) throw new IllegalArgumentException("LyapEMA state: V_prev must be finite and >= 0, got " + vPrev);
        if (gamma != null && (!(gamma > 0) || gamma.isInfinite())) {
            throw new IllegalArgumentException("LyapEMA state: gamma must be finite and > 0 (or null before calibration), got " + gamma);
        }
        if (steps < 0) throw new IllegalArgumentException("LyapEMA state: steps must be >= 0, got " + steps);
        if (violations < 0 || violations > steps) {
            throw new IllegalArgumentException("LyapEMA state: violations must be in [0, steps=" + steps + "], got " + violations);
        }
    }

    /**
     * The state at the start of SSL: s = 1, lam = lam0, V_prev = {@code initialV} (½‖θS − θT‖², 0 when the
     * teacher is a copy of the student), gamma from the config when fixed, otherwise not yet calibrated.
     */
    public static LyapEmaState initial(LyapEmaConfig config, double initialV) {
        Double gamma = config.gammaMode() == LyapEmaConfig.GammaMode.FIXED ? config.fixedGamma() : null;
        return new LyapEmaState(1.0, config.lam0(), initialV, gamma, 0, 0);
    }

    /** Whether gamma is known (fixed, or calibrated already). Not a bean getter, so JSON holds only the components. */
    public boolean hasGamma() {
        return gamma != null;
    }
}
