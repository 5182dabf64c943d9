package org.semivim.training.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LyapEMA keys (ssl-spec.md §2.5.3 and rules R-L1…R-L12), group {@code lyapema}. Defaults are the
 * spec's [ours] values; none of them comes from the paper.
 *
 * @param gammaMode        {@code calibrated} (R-L5: gamma = logit(alpha_ref)/d_1, fixed after the first
 *                         step with d &gt; 0) or {@code fixed} (gamma from the config)
 * @param alphaRef         the α the calibration aims at for the first step, in (0.5, 1)
 * @param gamma            the fixed gamma (&gt; 0); required with gamma_mode fixed, ignored otherwise (0 there)
 * @param lam0             initial λ (pull of the student towards the teacher), ≥ 0
 * @param dlam             λ increment per violation (R-L8), ≥ 0
 * @param lamMax           upper bound of λ (R-L8)
 * @param sMin             lower bound of the lr multiplier s (R-L8), in (0, 1]
 * @param rMax             R_max, retries per step from the saved state (R-L7), at least 1
 * @param pull             {@code implicit} (R-L1, (θ~ + λθT)/(1+λ)) or {@code explicit} (θ~ + λ(θT − θS), lam_max ≤ 1)
 *
 * <p>The check runs every step (the literal Alg. 1); the spec's epoch-granularity ablation is not offered.
 */
public record LyapEmaConfig(String gammaMode, double alphaRef, double gamma, double lam0, double dlam, double lamMax,
                            double sMin, int rMax, String pull) {

    public static final List<String> GAMMA_MODES = List.of("calibrated", "fixed");
    public static final List<String> PULLS = List.of("implicit", "explicit");

    public static final LyapEmaConfig DEFAULTS = new LyapEmaConfig("calibrated", 0.99, 0, 0.01, 0.01, 0.1, 1.0 / 16, 1,
            "implicit");

    static LyapEmaConfig read(ConfigSection s) {
        String mode = s.choice("gamma_mode", DEFAULTS.gammaMode, GAMMA_MODES);
        double alphaRef = s.number("alpha_ref", DEFAULTS.alphaRef, ConfigSection.Interval.open(0.5, 1));
        double gamma;
        if (mode.equals("fixed")) {
            if (!s.has("gamma")) throw new ConfigException(s.pathOf("gamma"), "is required when gamma_mode is \"fixed\" (a number > 0)");
            gamma = s.number("gamma", 0, ConfigSection.Interval.open(0, Double.MAX_VALUE));
        } else {
            if (s.has("gamma")) throw new ConfigException(s.pathOf("gamma"), "is only allowed with gamma_mode \"fixed\" (calibrated mode computes it)");
            gamma = 0;
        }
        double lam0 = s.number("lam0", DEFAULTS.lam0, ConfigSection.Interval.closed(0, 1e6));
        double dlam = s.number("dlam", DEFAULTS.dlam, ConfigSection.Interval.closed(0, 1e6));
        double lamMax = s.number("lam_max", DEFAULTS.lamMax, ConfigSection.Interval.closed(0, 1e6));
        if (lamMax < lam0) throw new ConfigException(s.pathOf("lam_max"), "must be >= lam0 = " + lam0 + ", got " + lamMax);
        double sMin = s.number("s_min", DEFAULTS.sMin, ConfigSection.Interval.openClosed(0, 1));
        int rMax = s.integer("r_max", DEFAULTS.rMax, 1, 16);
        String pull = s.choice("pull", DEFAULTS.pull, PULLS);
        if (pull.equals("explicit") && lamMax > 1) {
            throw new ConfigException(s.pathOf("pull"), "\"explicit\" is allowed only with lam_max <= 1 (R-L1), but lam_max = " + lamMax);
        }
        s.rejectUnknown();
        return new LyapEmaConfig(mode, alphaRef, gamma, lam0, dlam, lamMax, sMin, rMax, pull);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gamma_mode", gammaMode);
        m.put("alpha_ref", alphaRef);
        if (gammaMode.equals("fixed")) m.put("gamma", gamma);
        m.put("lam0", lam0);
        m.put("dlam", dlam);
        m.put("lam_max", lamMax);
        m.put("s_min", sMin);
        m.put("r_max", rMax);
        m.put("pull", pull);
        return m;
    }
}
