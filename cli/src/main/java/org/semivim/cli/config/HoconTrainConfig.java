package org.semivim.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import org.semivim.training.config.ConfigException;
import org.semivim.training.config.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training configuration written in HOCON (Typesafe Config, the format Pekko uses): a
 * {@code .conf} file plus {@code key=value} overrides with dotted paths, resolved and handed to
 * the strict {@link TrainConfig} (which owns every key, default and range; docs/configuration.md).
 *
 * <p>Precedence: overrides win over the file, a later override wins over an earlier one. An
 * override's value is HOCON ({@code tau=0.8}, {@code model=vim-fmnist-small},
 * {@code lyapema={s_min=0.125}}); an object value merges into the group it names, as HOCON
 * merges duplicate keys. {@code key=null} restores the key's default. Substitutions
 * ({@code ${...}}, also from environment variables) and {@code include} work as in HOCON.
 *
 * <p>A bad value becomes a {@link HoconConfigException} naming the key's HOCON path, what is
 * allowed, and where the offending value was written (file and line, or which override).
 */
public final class HoconTrainConfig {
    private HoconTrainConfig() {}

    /** The resolved HOCON tree and the training config it gives. */
    public record Loaded(Config hocon, TrainConfig config) {
        /** The resolved HOCON as it was written (file and overrides merged), without origin comments. */
        public String renderedHocon() {
            return render(hocon);
        }
    }

    /** Reads {@code file}, applies {@code overrides} ("path=value", later ones win) and validates. */
    public static Loaded load(Path file, List<String> overrides) {
        Config resolved = resolve(file, overrides);
        return new Loaded(resolved, toTrainConfig(resolved));
    }

    /** Reads {@code file} and applies {@code overrides}, resolved; not validated (any strict reader can take it: {@link #validate}). */
    public static Config resolve(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("config file " + file + " does not exist or is not a file");
        Config base;
        try {
            base = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
        }
        return merge(base, overrides);
    }

    /** Parses {@code text} (HOCON) as if it were a file named {@code name}, applies {@code overrides} and validates. */
    public static Loaded parse(String text, String name, List<String> overrides) {
        Config base;
        try {
            base = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(name).setSyntax(ConfigSyntax.CONF));
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("cannot read config " + name + ": " + e.getMessage(), e);
        }
        return build(base, overrides);
    }

    private static Loaded build(Config base, List<String> overrides) {
        Config resolved = merge(base, overrides);
        return new Loaded(resolved, toTrainConfig(resolved));
    }

    private static Config merge(Config base, List<String> overrides) {
        Config merged = base;
        for (String o : overrides) merged = override(o).withFallback(merged);
        try {
            return merged.resolve(ConfigResolveOptions.defaults());
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("cannot resolve config: " + e.getMessage(), e);
        }
    }

    /**
     * One command-line override "path=value" as a config of its own. The path is a HOCON path
     * (dotted; quote a key that contains a dot); the value is parsed as HOCON, so numbers stay
     * numbers and an unquoted word is a string.
     */
    static Config override(String arg) {
        int eq = arg.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("override '" + arg + "' is not of the form key=value (e.g. lyapema.s_min=0.125)");
        String path = arg.substring(0, eq).trim();
        String value = arg.substring(eq + 1).trim();
        try {
            ConfigUtil.splitPath(path);
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("override '" + arg + "': '" + path + "' is not a valid key path: " + e.getMessage(), e);
        }
        ConfigParseOptions options = ConfigParseOptions.defaults().setOriginDescription("override '" + arg + "'").setSyntax(ConfigSyntax.CONF);
        try {
            return ConfigFactory.parseString(path + " = " + (value.isEmpty() ? "\"\"" : value), options);
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("override '" + arg + "' has a value that is not HOCON (quote it: " + path + "=\"...\"): "
                    + e.getMessage(), e);
        }
    }

    /** Validates a resolved HOCON tree with {@link TrainConfig#fromMap}, pointing errors at where the value was written. */
    public static TrainConfig toTrainConfig(Config resolved) {
        return validate(resolved, TrainConfig::fromMap);
    }

    /**
     * Reads a resolved HOCON tree with a strict reader of the training module (TrainConfig, ArmPretrainConfig,
     * …); its {@link ConfigException} becomes a {@link HoconConfigException} that says where the value was written.
     */
    public static <T> T validate(Config resolved, java.util.function.Function<Map<String, Object>, T> reader) {
        Map<String, Object> map = resolved.root().unwrapped();
        try {
            return reader.apply(map);
        } catch (ConfigException e) {
            throw new HoconConfigException(e.keyPath(), e.getMessage(), originOf(resolved, e.keyPath()), e);
        }
    }

    /** The resolved HOCON as it was written (file and overrides merged), without comments. */
    public static String render(Config resolved) {
        return resolved.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
    }

    /** Where the value at {@code keyPath} (or its nearest present parent) was written, or null. */
    static String originOf(Config config, String keyPath) {
        List<String> keys = new ArrayList<>(List.of(keyPath.split("\\.", -1)));
        while (!keys.isEmpty()) {
            try {
                String path = ConfigUtil.joinPath(keys);
                if (config.hasPathOrNull(path)) {
                    ConfigValue v = config.hasPath(path) ? config.getValue(path) : null;
                    ConfigOrigin origin = v != null ? v.origin() : null;
                    if (origin == null) return null;
                    String d = origin.description();
                    return d.startsWith("override '") ? d.replaceFirst(": \\d+$", "") : d;   // an override has one line
                }
            } catch (com.typesafe.config.ConfigException e) {
                return null;
            }
            keys.remove(keys.size() - 1);
        }
        return null;
    }
}
