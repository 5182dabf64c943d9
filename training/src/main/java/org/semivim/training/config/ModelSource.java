package org.semivim.training.config;

import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VitConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code model} key: a preset name or model file (resolved by {@link ModelSpec#resolve}), or an
 * object {@code {"arch": "vim" | "vit", "preset": optional, ...}} with the keys of {@link VimConfig}
 * or {@link VitConfig}. The canonical form is always the full object, so a config hash covers the
 * contents of a model file, not its name.
 */
final class ModelSource {
    private ModelSource() {}

    static ModelSpec read(ConfigSection s, String key) {
        Object raw = s.raw(key);
        try {
            if (raw instanceof String name) return ModelSpec.resolve(name);
            if (raw instanceof Map<?, ?> map) return fromObject(map);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.pathOf(key), "is not a valid model: " + e.getMessage());
        }
        throw new ConfigException(s.pathOf(key), "must be a preset name, a model file or an object, got " + ConfigSection.describe(raw));
    }

    private static ModelSpec fromObject(Map<?, ?> map) {
        Map<String, Object> rest = new LinkedHashMap<>();
        for (var e : map.entrySet()) rest.put(String.valueOf(e.getKey()), e.getValue());
        Object arch = rest.remove("arch");
        if (arch == null || "vim".equals(arch)) {
            Object preset = rest.remove("preset");
            if (preset == null) return new ModelSpec.Vim(VimConfig.fromMap(rest));
            if (!(preset instanceof String p)) throw new IllegalArgumentException("preset must be a string, got " + preset);
            return new ModelSpec.Vim(VimConfig.preset(p).withOverrides(rest));
        }
        if ("vit".equals(arch)) return new ModelSpec.Vit(VitConfig.fromMap(rest));
        throw new IllegalArgumentException("arch must be \"vim\" or \"vit\", got " + arch);
    }

    static Map<String, Object> canonical(ModelSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (spec instanceof ModelSpec.Vim v) {
            m.put("arch", "vim");
            m.putAll(v.config().toMap());
        } else {
            m.put("arch", "vit");
            m.putAll(((ModelSpec.Vit) spec).config().toMap());
        }
        return m;
    }

    /** [C, H, W] per image. */
    static int[] inputShape(ModelSpec spec) {
        if (spec instanceof ModelSpec.Vim v) return new int[] {v.config().inChans(), v.config().imgSize(), v.config().imgSize()};
        VitConfig c = ((ModelSpec.Vit) spec).config();
        return new int[] {c.inChans(), c.imgSize(), c.imgSize()};
    }

    static int numClasses(ModelSpec spec) {
        return spec instanceof ModelSpec.Vim v ? v.config().numClasses() : ((ModelSpec.Vit) spec).config().numClasses();
    }
}
