package org.semivim.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class HoconTrainConfigTest {
    private static final String MINIMAL = """
            method = lyapema_ssmixup
            model = vim-fmnist-tiny
            steps = 100
            """;

    @Test
    void minimalFileGivesTheTrainConfigDefaults(@TempDir Path dir) throws IOException {
        Path file = write(dir, MINIMAL);
        TrainConfig c = HoconTrainConfig.load(file, List.of()).config();
        assertEquals(TrainConfig.fromJson("{\"method\":\"lyapema_ssmixup\",\"model\":\"vim-fmnist-tiny\",\"steps\":100}"), c);
        assertEquals(0.7, c.tau());
        assertEquals(64, c.labeledBatch());
    }

    @Test
    void overridesWinOverTheFileAndLaterOverridesWin(@TempDir Path dir) throws IOException {
        Path file = write(dir, MINIMAL + "tau = 0.8\nlyapema { s_min = 0.25, lam0 = 0.02 }\nb_l = 32\n");
        assertEquals(0.8, HoconTrainConfig.load(file, List.of()).config().tau());
        TrainConfig c = HoconTrainConfig.load(file, List.of("tau=0.6", "steps=7", "tau=0.65", "lyapema={s_min=0.5}", "b_l=null")).config();
        assertEquals(0.65, c.tau());
        assertEquals(7, c.steps());
        assertEquals(0.5, c.lyapema().sMin(), "object override replaces the key it names");
        assertEquals(0.02, c.lyapema().lam0(), "object override merges into the group");
        assertEquals(64, c.labeledBatch(), "null restores the default");
        TrainConfig dotted = HoconTrainConfig.load(file, List.of("lyapema.s_min=0.125", "data.protocol=A1-uniform", "model=vim-fmnist-small")).config();
        assertEquals(0.125, dotted.lyapema().sMin());
        assertEquals("A1-uniform", dotted.data().protocol().name());
        assertEquals(128, ((org.semivim.engine.models.ModelSpec.Vim) dotted.model()).config().embedDim());
    }

    @Test
    void unknownKeyIsRejectedWithItsPathTheKnownKeysAndTheLine(@TempDir Path dir) throws IOException {
        Path file = write(dir, MINIMAL + "lyapema {\n  s_mn = 0.1\n}\n");
        HoconConfigException e = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(file, List.of()));
        assertEquals("lyapema.s_mn", e.keyPath());
        assertTrue(e.getMessage().contains("'lyapema.s_mn' is unknown"), e.getMessage());
        assertTrue(e.getMessage().contains("s_min") && e.getMessage().contains("lam_max"), "lists the known keys: " + e.getMessage());
        assertTrue(e.getMessage().contains("run.conf: 5"), "names the file and line: " + e.getMessage());

        HoconConfigException stillUnknown = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(file, List.of("lyapema.s_mn=null")));
        assertEquals("lyapema.s_mn", stillUnknown.keyPath(), "null does not hide a misspelt key");
        HoconConfigException top = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(write(dir, MINIMAL), List.of("stpes=3")));
        assertEquals("stpes", top.keyPath());
        assertTrue(top.getMessage().contains("override 'stpes=3'"), top.getMessage());
    }

    @Test
    void wrongTypeIsRejectedWithItsPathAndWhatIsAllowed(@TempDir Path dir) throws IOException {
        Path file = write(dir, "method = fixmatch\nmodel = vim-fmnist-tiny\nsteps = \"many\"\n");
        HoconConfigException e = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(file, List.of()));
        assertEquals("steps", e.keyPath());
        assertTrue(e.getMessage().contains("must be an integer in [1, "), e.getMessage());
        assertTrue(e.getMessage().contains("run.conf: 3"), e.getMessage());

        HoconConfigException group = assertThrows(HoconConfigException.class,
                () -> HoconTrainConfig.load(write(dir, MINIMAL), List.of("lyapema=7")));
        assertEquals("lyapema", group.keyPath());
        assertTrue(group.getMessage().contains("must be an object"), group.getMessage());

        HoconConfigException choice = assertThrows(HoconConfigException.class,
                () -> HoconTrainConfig.load(write(dir, MINIMAL), List.of("lyapema.pull=sideways")));
        assertTrue(choice.getMessage().contains("must be one of [implicit, explicit]"), choice.getMessage());
    }

    @Test
    void outOfRangeValueIsRejectedWithItsPathTheRangeAndTheOverride(@TempDir Path dir) throws IOException {
        Path file = write(dir, MINIMAL);
        HoconConfigException e = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(file, List.of("tau=1.5")));
        assertEquals("tau", e.keyPath());
        assertTrue(e.getMessage().contains("[0, 1]") && e.getMessage().contains("1.5"), e.getMessage());
        assertTrue(e.getMessage().contains("override 'tau=1.5'"), e.getMessage());

        HoconConfigException nested = assertThrows(HoconConfigException.class, () -> HoconTrainConfig.load(file, List.of("lyapema.s_min=0")));
        assertEquals("lyapema.s_min", nested.keyPath());
        assertTrue(nested.getMessage().contains("(0, 1]"), nested.getMessage());

        HoconConfigException missing = assertThrows(HoconConfigException.class,
                () -> HoconTrainConfig.load(write(dir, "method = fixmatch\nmodel = vim-fmnist-tiny\n"), List.of()));
        assertEquals("steps", missing.keyPath());
        assertNull(missing.origin());
        assertTrue(missing.getMessage().contains("is required"), missing.getMessage());
    }

    @Test
    void malformedOverridesAndFilesAreClearErrors(@TempDir Path dir) throws IOException {
        Path file = write(dir, MINIMAL);
        IllegalArgumentException noEquals = assertThrows(IllegalArgumentException.class, () -> HoconTrainConfig.load(file, List.of("tau")));
        assertTrue(noEquals.getMessage().contains("key=value"), noEquals.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HoconTrainConfig.load(file, List.of("=3")));
        assertThrows(IllegalArgumentException.class, () -> HoconTrainConfig.load(dir.resolve("absent.conf"), List.of()));
        IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
                () -> HoconTrainConfig.load(write(dir, "method = {\n"), List.of()));
        assertTrue(syntax.getMessage().contains("cannot read config"), syntax.getMessage());
    }

    @Test
    void substitutionsAndIncludesResolve(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("base.conf"), MINIMAL + "b_l = 16\n");
        Path file = write(dir, "include \"base.conf\"\nshards = ${b_l}\n");
        TrainConfig c = HoconTrainConfig.load(file, List.of("b_l=8")).config();
        assertEquals(8, c.labeledBatch());
        assertEquals(8, c.shards(), "substitutions see the overrides");
    }

    /** The reference file names every key TrainConfig reads, and its values are TrainConfig's defaults. */
    @Test
    void referenceConfigListsEveryKeyWithTheCodeDefaults() throws IOException {
        Config reference = referenceConfig();
        TreeSet<String> referenceKeys = leafPaths(reference);
        TreeSet<String> codeKeys = new TreeSet<>();
        for (Method m : List.of(Method.LYAPEMA_SSMIXUP, Method.SSMAE)) {
            TrainConfig c = HoconTrainConfig.parse("method = " + m.configName() + "\nmodel = " + modelFor(m) + "\nsteps = 100\n", "min.conf",
                    List.of()).config();
            codeKeys.addAll(leafPaths(ConfigFactory.parseMap(c.canonicalMap())));
        }
        codeKeys.add("data.dir");             // optional keys that the canonical form leaves out when absent
        codeKeys.add("data.generated");
        codeKeys.add("lyapema.gamma");
        codeKeys.add("init_from");
        assertEquals(codeKeys, referenceKeys);

        for (Method m : Method.values()) {
            String min = "method = " + m.configName() + "\nmodel = " + modelFor(m) + "\nsteps = 200\n";
            TrainConfig plain = HoconTrainConfig.parse(min, "min.conf", List.of()).config();
            Config withReference = ConfigFactory.parseString(min).withFallback(reference).resolve();
            assertEquals(plain, HoconTrainConfig.toTrainConfig(withReference), "defaults of " + m.configName());
        }
    }

    /** SSMAE trains a ViT encoder; the other methods take the tiny ViM preset. */
    private static String modelFor(Method m) {
        return m == Method.SSMAE
                ? "{ arch = vit, img_size = 28, patch_size = 4, in_chans = 1, embed_dim = 32, depth = 1, num_heads = 2, num_classes = 10 }"
                : "vim-fmnist-tiny";
    }

    @Test
    void renderedHoconReadsBackToTheSameConfig(@TempDir Path dir) throws IOException {
        HoconTrainConfig.Loaded loaded = HoconTrainConfig.load(write(dir, MINIMAL + "lyapema.s_min = 0.25\n"), List.of("tau=0.9"));
        HoconTrainConfig.Loaded again = HoconTrainConfig.parse(loaded.renderedHocon(), "config.conf", List.of());
        assertEquals(loaded.config(), again.config());
    }

    static Config referenceConfig() throws IOException {
        try (InputStream in = HoconTrainConfig.class.getResourceAsStream("/semivim-reference.conf")) {
            assertNotNull(in, "semivim-reference.conf is on the class path");
            return ConfigFactory.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** Paths of leaves; the model and the protocol count as one key each (their contents are other references). */
    private static TreeSet<String> leafPaths(Config c) {
        TreeSet<String> out = new TreeSet<>();
        collect(c.root().entrySet(), "", out);
        return out;
    }

    private static void collect(java.util.Set<Map.Entry<String, ConfigValue>> entries, String prefix, TreeSet<String> out) {
        for (Map.Entry<String, ConfigValue> e : entries) {
            String path = prefix + e.getKey();
            boolean opaque = path.equals("model") || path.equals("data.protocol") || path.equals("data.generated");
            if (e.getValue().valueType() == ConfigValueType.OBJECT && !opaque) {
                collect(((com.typesafe.config.ConfigObject) e.getValue()).entrySet(), path + ".", out);
            } else {
                out.add(path);
            }
        }
    }

    private static Path write(Path dir, String text) throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(file, text);
        return file;
    }
}
