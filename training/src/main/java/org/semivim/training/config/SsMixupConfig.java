package org.semivim.training.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SSMixup keys (ssl-spec.md §2.6.2, R-S1…R-S12), group {@code ssmixup}: the hidden-state
 * coefficient ν ([ours] 0.1; sweep 0.05, 0.1, 0.5) and how many mixer layers, counted from the
 * first, get the term ({@code "all"}, the default, means the model's depth). The label smoothing of
 * the mixed targets is the shared {@code eps_ls} (R-S5).
 *
 * @param layers the number of layers, or 0 for "all"
 */
public record SsMixupConfig(double nu, int layers) {
    public static final SsMixupConfig DEFAULTS = new SsMixupConfig(0.1, 0);

    static SsMixupConfig read(ConfigSection s) {
        double nu = s.number("nu", DEFAULTS.nu, ConfigSection.Interval.closed(0, 1e3));
        int layers = 0;
        Object raw = s.raw("layers");
        if (raw != null && !"all".equals(raw)) {
            if (raw instanceof String) throw new ConfigException(s.pathOf("layers"), "must be \"all\" or an integer >= 1, got " + ConfigSection.describe(raw));
            layers = s.integer("layers", 0, 1, 1 << 16);
        }
        s.rejectUnknown();
        return new SsMixupConfig(nu, layers);
    }

    /** The number of layers for a model of {@code depth} mixers. */
    public int layersFor(int depth) {
        return layers == 0 ? depth : Math.min(layers, depth);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nu", nu);
        m.put("layers", layers == 0 ? "all" : layers);
        return m;
    }
}
