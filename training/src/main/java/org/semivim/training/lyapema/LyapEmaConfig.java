package org.semivim.training.lyapema;

/**
 * The settings of LyapEMA (ssl-spec.md §2.5.3, rules R-L1…R-L12). None of these values come from
 * the paper; the defaults are the spec's [ours] choices.
 *
 * @param gammaMode  {@link GammaMode#CALIBRATED} (default): gamma = logit(alphaRef)/d₁ at the first
 *                   step with d &gt; 0 (R-L5); {@link GammaMode#FIXED}: gamma = {@code fixedGamma}
 * @param alphaRef   the teacher momentum the calibration aims at for the first step (0.99); in (½, 1)
 *                   so that gamma &gt; 0 (R-L3)
 * @param fixedGamma gamma in FIXED mode (&gt; 0); null in CALIBRATED mode
 * @param lam0       initial stability coefficient lam (0.01)
 * @param dlam       increase of lam per violation (0.01)
 * @param lamMax     upper bound of lam (0.1) (R-L8)
 * @param sMin       lower bound of the learning-rate multiplier s (1/16) (R-L8)
 * @param rMax       retries per step after a violation (1) (R-L7); at least 1
 * @param pull       how Eq. 8 is read: {@link Pull#IMPLICIT} (default, R-L1) or {@link Pull#EXPLICIT}
 *                   (only with lamMax ≤ 1: larger lam overshoots the teacher, A7)
 */
public record LyapEmaConfig(GammaMode gammaMode, double alphaRef, Double fixedGamma, double lam0, double dlam,
                            double lamMax, double sMin, int rMax, Pull pull) {

    /** How gamma of Eq. 9 is chosen (R-L5). */
    public enum GammaMode { CALIBRATED, FIXED }

    /**
     * Eq. 8 read as implicit in θS (θS' = (θ~ + lam·θT_prev)/(1+lam), R-L1) or explicit
     * (θS' = θ~ + lam·(θT_prev − θS_prev)).
     */
    public enum Pull { IMPLICIT, EXPLICIT }

    public LyapEmaConfig {
        if (gammaMode == null) throw new IllegalArgumentException("LyapEMA gamma_mode must be calibrated or fixed, got null");
        if (pull == null) throw new IllegalArgumentException("LyapEMA pull must be implicit or explicit, got null");
        if (!(alphaRef > 0.5 && alphaRef < 1)) {
            throw new IllegalArgumentException("LyapEMA alpha_ref must be in (0.5, 1) so that gamma > 0, got " + alphaRef);
        }
        if (gammaMode == GammaMode.FIXED) {
            if (fixedGamma == null || !(fixedGamma > 0) || fixedGamma.isInfinite()) {
                throw new IllegalArgumentException("LyapEMA gamma_mode=fixed needs a finite gamma > 0, got " + fixedGamma);
            }
        } else if (fixedGamma != null) {
            throw new IllegalArgumentException("LyapEMA gamma_mode=calibrated computes gamma itself; a fixed gamma ("
                    + fixedGamma + ") would be ignored, so it is refused");
        }
        requireFinite("lam0", lam0, 0);
        requireFinite("dlam", dlam, 0);
        requireFinite("lam_max", lamMax, 0);
        if (lam0 > lamMax) throw new IllegalArgumentException("LyapEMA lam0 " + lam0 + " exceeds lam_max " + lamMax);
        if (!(sMin > 0 && sMin <= 1)) throw new IllegalArgumentException("LyapEMA s_min must be in (0, 1], got " + sMin);
        if (rMax < 1) throw new IllegalArgumentException("LyapEMA r_max must be >= 1 (Alg. 1 recomputes after a violation), got " + rMax);
        if (pull == Pull.EXPLICIT && lamMax > 1) {
            throw new IllegalArgumentException("LyapEMA pull=explicit needs lam_max <= 1 (a larger lam overshoots the teacher), got " + lamMax);
        }
    }

    /** The spec's defaults: calibrated gamma with alpha_ref 0.99, lam 0.01 + 0.01 up to 0.1, s ≥ 1/16, one retry, implicit pull. */
    public static LyapEmaConfig defaults() {
        return new LyapEmaConfig(GammaMode.CALIBRATED, 0.99, null, 0.01, 0.01, 0.1, 1.0 / 16, 1, Pull.IMPLICIT);
    }

    /** These settings with a fixed gamma instead of the calibrated one. */
    public LyapEmaConfig withFixedGamma(double gamma) {
        return new LyapEmaConfig(GammaMode.FIXED, alphaRef, gamma, lam0, dlam, lamMax, sMin, rMax, pull);
    }

    /** These settings with another pull reading of Eq. 8. */
    public LyapEmaConfig withPull(Pull newPull) {
        return new LyapEmaConfig(gammaMode, alphaRef, fixedGamma, lam0, dlam, lamMax, sMin, rMax, newPull);
    }

    /** These settings with other lam bounds (lam0, dlam, lamMax). */
    public LyapEmaConfig withLam(double newLam0, double newDlam, double newLamMax) {
        return new LyapEmaConfig(gammaMode, alphaRef, fixedGamma, newLam0, newDlam, newLamMax, sMin, rMax, pull);
    }

    /** logit(alphaRef) = ln(alphaRef/(1 − alphaRef)): the gamma·d that gives alpha = alphaRef. */
    public double logitAlphaRef() {
        return Math.log(alphaRef / (1 - alphaRef));
    }

    private static void requireFinite(String what, double x, double min) {
        if (!(x >= min) || Double.isInfinite(x)) throw new IllegalArgumentException("LyapEMA " + what + " must be finite and >= " + min + ", got " + x);
    }
}
