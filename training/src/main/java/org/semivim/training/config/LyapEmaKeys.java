package org.semivim.training.config;

import org.semivim.training.lyapema.LyapEmaConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code lyapema} group (ssl-spec.md §2.5.3, R-L1…R-L12) read into the LyapEMA rules'
 * {@link LyapEmaConfig}; defaults are {@link LyapEmaConfig#defaults()} (the spec's [ours] values):
 * <pre>
 * gamma_mode "calibrated" | "fixed"   alpha_ref 0.99   gamma (only and required with "fixed", &gt; 0)
 * lam0 0.01   dlam 0.01   lam_max 0.1   s_min 1/16   r_max 1   pull "implicit" | "explicit" (lam_max ≤ 1)
 * </pre>
 * The check runs every step (the literal Alg. 1); the spec's epoch-granularity ablation is not offered.
 */
final class LyapEmaKeys {
    private static final List<String> GAMMA_MODES = List.of("calibrated", "fixed");
    private static final List<String> PULLS = List.of("implicit", "explicit");

    private LyapEmaKeys() {}

    static LyapEmaConfig read(ConfigSection s) {
        LyapEmaConfig d = LyapEmaConfig.defaults();
        boolean fixed = s.choice("gamma_mode", "calibrated", GAMMA_MODES).equals("fixed");
        double alphaRef = s.number("alpha_ref", d.alphaRef(), ConfigSection.Interval.open(0.5, 1));
        Double gamma = null;
        if (fixed) {
            s.require("gamma", "a number > 0 with gamma_mode \"fixed\"");
            gamma = s.number("gamma", 0, ConfigSection.Interval.open(0, Double.MAX_VALUE));
        } else if (s.has("gamma")) {
            throw new ConfigException(s.pathOf("gamma"), "is only allowed with gamma_mode \"fixed\" (calibrated mode computes it)");
        }
        double lam0 = s.number("lam0", d.lam0(), ConfigSection.Interval.closed(0, 1e6));
        double dlam = s.number("dlam", d.dlam(), ConfigSection.Interval.closed(0, 1e6));
        double lamMax = s.number("lam_max", d.lamMax(), ConfigSection.Interval.closed(0, 1e6));
        if (lamMax < lam0) throw new ConfigException(s.pathOf("lam_max"), "must be >= lam0 = " + lam0 + ", got " + lamMax);
        double sMin = s.number("s_min", d.sMin(), ConfigSection.Interval.openClosed(0, 1));
        int rMax = s.integer("r_max", d.rMax(), 1, 16);
        boolean explicit = s.choice("pull", "implicit", PULLS).equals("explicit");
        if (explicit && lamMax > 1) {
            throw new ConfigException(s.pathOf("pull"), "\"explicit\" is allowed only with lam_max <= 1 (R-L1), but lam_max = " + lamMax);
        }
        s.rejectUnknown();
        return new LyapEmaConfig(fixed ? LyapEmaConfig.GammaMode.FIXED : LyapEmaConfig.GammaMode.CALIBRATED, alphaRef, gamma,
                lam0, dlam, lamMax, sMin, rMax, explicit ? LyapEmaConfig.Pull.EXPLICIT : LyapEmaConfig.Pull.IMPLICIT);
    }

    static Map<String, Object> toMap(LyapEmaConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gamma_mode", c.gammaMode() == LyapEmaConfig.GammaMode.FIXED ? "fixed" : "calibrated");
        m.put("alpha_ref", c.alphaRef());
        if (c.fixedGamma() != null) m.put("gamma", c.fixedGamma());
        m.put("lam0", c.lam0());
        m.put("dlam", c.dlam());
        m.put("lam_max", c.lamMax());
        m.put("s_min", c.sMin());
        m.put("r_max", c.rMax());
        m.put("pull", c.pull() == LyapEmaConfig.Pull.EXPLICIT ? "explicit" : "implicit");
        return m;
    }
}
