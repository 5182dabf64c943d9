package org.semivim.training.config;

import org.semivim.data.split.SplitProtocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the images come from and how they are split (ssl-spec.md §4), group {@code data}.
 * <pre>
 * source      "fashion-mnist" (default) | "generated"
 * dir         Fashion-MNIST directory (default: the Debian package's, or -Dsemivim.fashion.dir)
 * generated   { classes 10, per_class 300, test_per_class 50, size 28, seed 0 }   (source "generated")
 * protocol    "A1" (default) | "A1-uniform" | "A1-reversed" | "A2" | "A2-uniform" | "A2-reversed"
 *             | "B-1pct" | "B-5pct" | "B-10pct"
 *             | { kind "A", name, validation_per_class, labeled_head, labeled_gamma, unlabeled_head, unlabeled_gamma }
 *             | { kind "B", name, validation_per_class, pool_head, pool_gamma, labeled_percent }
 * split_seed  the seed of the split (default 0); the run's own seed drives sampling and augmentation
 * </pre>
 * The protocol's class count is the data's: 10 for Fashion-MNIST, {@code generated.classes} otherwise.
 *
 * @param directory the Fashion-MNIST directory, or null for the default
 * @param generated the generated data set, or null for Fashion-MNIST
 */
public record DataConfig(Source source, String directory, GeneratedData generated, SplitProtocol protocol, long splitSeed) {

    public enum Source {
        FASHION_MNIST("fashion-mnist"), GENERATED("generated");

        public final String configName;

        Source(String configName) {
            this.configName = configName;
        }
    }

    /** A {@code GeneratedDataset} training set (per_class × classes) and a test set drawn with seed + 1. */
    public record GeneratedData(int classes, int perClass, int testPerClass, int size, long seed) {}

    private static final List<String> SOURCES = List.of("fashion-mnist", "generated");
    private static final List<String> NAMED_PROTOCOLS = List.of("A1", "A1-uniform", "A1-reversed", "A2", "A2-uniform",
            "A2-reversed", "B-1pct", "B-5pct", "B-10pct");

    public static DataConfig defaults() {
        return new DataConfig(Source.FASHION_MNIST, null, null, SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), 0);
    }

    /** The number of classes of the data. */
    public int numClasses() {
        return source == Source.GENERATED ? generated.classes : SplitProtocol.FASHION_CLASSES;
    }

    /** The side of the (square, one-channel) images. */
    public int imageSize() {
        return source == Source.GENERATED ? generated.size : 28;
    }

    static DataConfig read(ConfigSection s) {
        Source source = s.choice("source", "fashion-mnist", SOURCES).equals("generated") ? Source.GENERATED : Source.FASHION_MNIST;
        String dir = s.string("dir", null);
        if (dir != null && source == Source.GENERATED) throw new ConfigException(s.pathOf("dir"), "is only used with source \"fashion-mnist\"");
        ConfigSection g = s.section("generated");
        GeneratedData generated = null;
        if (source == Source.GENERATED) {
            generated = new GeneratedData(g.integer("classes", 10, 2, 1000), g.integer("per_class", 300, 1, 1 << 20),
                    g.integer("test_per_class", 50, 1, 1 << 20), g.integer("size", 28, 8, 1024), g.integer("seed", 0L, 0, Long.MAX_VALUE));
            g.rejectUnknown();
        } else if (s.has("generated")) {
            throw new ConfigException(s.pathOf("generated"), "is only used with source \"generated\"");
        }
        int classes = generated != null ? generated.classes : SplitProtocol.FASHION_CLASSES;
        SplitProtocol protocol = readProtocol(s, classes);
        long splitSeed = s.integer("split_seed", 0L, 0, Long.MAX_VALUE);
        s.rejectUnknown();
        return new DataConfig(source, dir, generated, protocol, splitSeed);
    }

    private static SplitProtocol readProtocol(ConfigSection s, int classes) {
        Object raw = s.raw("protocol");
        if (raw == null) return SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT);
        if (raw instanceof String name) {
            if (!NAMED_PROTOCOLS.contains(name)) {
                throw new ConfigException(s.pathOf("protocol"), "must be one of " + NAMED_PROTOCOLS + " or an object, got \"" + name + "\"");
            }
            SplitProtocol p = named(name);
            if (p.numClasses() != classes) {
                throw new ConfigException(s.pathOf("protocol"), "\"" + name + "\" is for " + p.numClasses() + " classes but the data has " + classes);
            }
            return p;
        }
        ConfigSection p = s.section("protocol");
        String kind = p.choice("kind", null, List.of("A", "B"));
        if (kind == null) throw new ConfigException(p.pathOf("kind"), "is required: \"A\" or \"B\"");
        String name = p.string("name", "custom-" + kind);
        int validation = p.integer("validation_per_class", 0, 0, 1 << 20);
        SplitProtocol out;
        try {
            if (kind.equals("A")) {
                for (String k : List.of("labeled_head", "labeled_gamma", "unlabeled_head", "unlabeled_gamma")) p.require(k, "a number");
                out = SplitProtocol.a(name, classes, validation, p.integer("labeled_head", 0, 1, 1 << 24),
                        p.number("labeled_gamma", 1, ConfigSection.Interval.closed(-1e6, 1e6)), p.integer("unlabeled_head", 0, 0, 1 << 24),
                        p.number("unlabeled_gamma", 1, ConfigSection.Interval.closed(-1e6, 1e6)));
            } else {
                for (String k : List.of("pool_head", "pool_gamma", "labeled_percent")) p.require(k, "a number");
                out = SplitProtocol.b(name, classes, validation, p.integer("pool_head", 0, 1, 1 << 24),
                        p.number("pool_gamma", 1, ConfigSection.Interval.closed(-1e6, 1e6)), p.integer("labeled_percent", 10, 1, 100));
            }
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.pathOf("protocol"), "is not a valid split protocol: " + e.getMessage());
        }
        p.rejectUnknown();
        return out;
    }

    private static SplitProtocol named(String name) {
        return switch (name) {
            case "A1" -> SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT);
            case "A1-uniform" -> SplitProtocol.a1(SplitProtocol.UnlabeledProfile.UNIFORM);
            case "A1-reversed" -> SplitProtocol.a1(SplitProtocol.UnlabeledProfile.REVERSED);
            case "A2" -> SplitProtocol.a2(SplitProtocol.UnlabeledProfile.CONSISTENT);
            case "A2-uniform" -> SplitProtocol.a2(SplitProtocol.UnlabeledProfile.UNIFORM);
            case "A2-reversed" -> SplitProtocol.a2(SplitProtocol.UnlabeledProfile.REVERSED);
            case "B-1pct" -> SplitProtocol.b(1);
            case "B-5pct" -> SplitProtocol.b(5);
            case "B-10pct" -> SplitProtocol.b(10);
            default -> throw new IllegalArgumentException("unknown protocol " + name);
        };
    }

    /** The canonical form: every value spelled out, the protocol always as an object. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source.configName);
        if (directory != null) m.put("dir", directory);
        if (generated != null) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("classes", generated.classes);
            g.put("per_class", generated.perClass);
            g.put("test_per_class", generated.testPerClass);
            g.put("size", generated.size);
            g.put("seed", generated.seed);
            m.put("generated", g);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("kind", protocol.kind().name());
        p.put("name", protocol.name());
        p.put("validation_per_class", protocol.validationPerClass());
        if (protocol.kind() == SplitProtocol.Kind.A) {
            p.put("labeled_head", protocol.labeledHead());
            p.put("labeled_gamma", protocol.labeledGamma());
            p.put("unlabeled_head", protocol.unlabeledHead());
            p.put("unlabeled_gamma", protocol.unlabeledGamma());
        } else {
            p.put("pool_head", protocol.poolHead());
            p.put("pool_gamma", protocol.poolGamma());
            p.put("labeled_percent", protocol.labeledPercent());
        }
        m.put("protocol", p);
        m.put("split_seed", splitSeed);
        return m;
    }
}
