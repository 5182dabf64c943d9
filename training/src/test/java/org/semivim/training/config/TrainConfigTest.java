package org.semivim.training.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.models.ModelSpec;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class TrainConfigTest {

    private static Map<String, Object> base(String method) {
        return TinyRuns.configMap(method, method.equals("ssmae") ? TinyRuns.vit(0) : TinyRuns.vim(0), 100);
    }

    /** The error for {@code base(method)} changed by {@code edit}; asserts its key path and message parts. */
    private static ConfigException rejected(String method, Consumer<Map<String, Object>> edit, String keyPath, String... messageParts) {
        Map<String, Object> m = base(method);
        edit.accept(m);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromMap(m));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        for (String part : messageParts) assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        return e;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> group(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
    }

    @Test
    void methodDependentDefaultsFollowTheSpec() {
        Map<String, Object> fm = base("fixmatch");
        fm.remove("lr");
        fm.remove("warmup");
        TrainConfig f = TrainConfig.fromMap(fm);
        assertEquals(0.95, f.tau());
        assertEquals(1.0, f.wU());
        assertEquals(0.999, f.emaM());
        assertEquals(1e-3 * 8 / 256, f.lr(), 0);        // §6: 1e-3·B_l/256
        assertEquals(5, f.warmup());                      // round(0.05·100)
        assertEquals(1e-6, f.minLr());
        assertEquals(0.05, f.weightDecay());
        assertEquals(4, f.shards());
        assertEquals(0.0, f.clip());

        TrainConfig e = TrainConfig.fromMap(base("ema_teacher"));
        assertEquals(0.7, e.tau());
        assertEquals(5.0, e.wU());
        assertEquals(0.9999, e.emaM());
        assertEquals(0.1, e.epsLs());

        TrainConfig s = TrainConfig.fromMap(base("supervised"));
        assertEquals(0, s.muRatio());
        assertEquals(0, s.unlabeledBatch());

        Map<String, Object> lm = base("lyapema");
        TrainConfig l = TrainConfig.fromMap(lm);
        assertEquals(org.semivim.training.lyapema.LyapEmaConfig.defaults(), l.lyapema());
        assertEquals(org.semivim.training.ssmae.SsmaeConfig.defaults(), l.ssmae().gate());
        assertEquals(1.0 / 16, l.lyapema().sMin());
        assertEquals(0.7, l.tau());
        assertEquals(5.0, l.wU());
        assertEquals(SsMixupConfig.DEFAULTS, l.ssmixup());
        assertEquals(2, l.ssmixup().layersFor(2));
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() {
        rejected("fixmatch", m -> m.put("learning_rate", 0.1), "learning_rate", "unknown", "lr");
        rejected("lyapema", m -> group(m, "lyapema").put("lambda0", 0.1), "lyapema.lambda0", "unknown", "lam0");
        rejected("fixmatch", m -> group(m, "ssmixup").put("psi", 0.5), "ssmixup.psi", "unknown");
        rejected("fixmatch", m -> group(m, "ssmae").put("gate", 1), "ssmae.gate", "unknown");
        rejected("fixmatch", m -> group(m, "data").put("colour", true), "data.colour", "unknown");
        rejected("fixmatch", m -> group(group(m, "data"), "protocol").put("heads", 3), "data.protocol.heads", "unknown");
        rejected("fixmatch", m -> group(group(m, "data"), "generated").put("noise", 3), "data.generated.noise", "unknown");
    }

    @Test
    void wrongTypesAndRangesAreRejectedWithTheAllowedRange() {
        rejected("fixmatch", m -> m.put("tau", "high"), "tau", "[0, 1]", "string");
        rejected("fixmatch", m -> m.put("tau", 1.5), "tau", "[0, 1]", "1.5");
        rejected("fixmatch", m -> m.put("shards", 0), "shards", "[1, 65536]");
        rejected("fixmatch", m -> m.put("shards", 25), "shards", "[1, 24]");
        rejected("fixmatch", m -> m.put("b_l", 2.5), "b_l", "integer");
        rejected("fixmatch", m -> m.put("steps", -3), "steps", "[1, ");
        rejected("fixmatch", m -> m.put("eps_ls", 1.0), "eps_ls", "[0, 1)");
        rejected("fixmatch", m -> m.put("min_lr", 0.1), "min_lr", "[0, 0.003]");
        rejected("fixmatch", m -> m.put("warmup", 101), "warmup", "[0, 100]");
        rejected("fixmatch", m -> m.put("method", "meanteacher"), "method", "fixmatch", "ema_teacher");
        rejected("fixmatch", m -> m.remove("steps"), "steps", "required");
        rejected("fixmatch", m -> m.remove("model"), "model", "required");
        rejected("lyapema", m -> group(m, "lyapema").put("s_min", 0), "lyapema.s_min", "(0, 1]");
        rejected("lyapema", m -> group(m, "lyapema").put("alpha_ref", 0.5), "lyapema.alpha_ref", "(0.5, 1)");
        rejected("lyapema", m -> group(m, "lyapema").put("gamma_mode", "fixed"), "lyapema.gamma", "required");
        rejected("lyapema", m -> group(m, "lyapema").put("gamma", 3), "lyapema.gamma", "fixed");
        rejected("lyapema", m -> group(m, "lyapema").put("r_max", 0), "lyapema.r_max", "[1, 16]");
        rejected("lyapema", m -> group(m, "lyapema").putAll(Map.of("pull", "explicit", "lam_max", 2)), "lyapema.pull", "lam_max <= 1");
        assertDoesNotThrow(() -> {
            Map<String, Object> m = base("lyapema");
            group(m, "lyapema").put("pull", "explicit");
            TrainConfig.fromMap(m);
        });
        rejected("lyapema", m -> group(m, "lyapema").putAll(Map.of("lam0", 0.5, "lam_max", 0.2)), "lyapema.lam_max", ">= lam0");
        rejected("lyapema", m -> group(m, "ssmixup").put("layers", "some"), "ssmixup.layers", "\"all\"");
        rejected("ssmae", m -> group(m, "ssmae").put("mask_ratio", 1.0), "ssmae.mask_ratio", "(0, 1)");
        rejected("ssmae", m -> group(m, "ssmae").put("decoder_heads", 5), "ssmae.decoder_heads", "divide");
        rejected("ssmae", m -> group(m, "ssmae").put("decoder_width", 30), "ssmae.decoder_width", "multiple of 4");
        rejected("ssmae", m -> m.put("model", TinyRuns.vim(0)), "model", "ViT");
        rejected("ssmae", m -> group(m, "model").put("global_pool", "avg"), "ssmae", "class token");
        rejected("supervised", m -> m.put("init_from", ""), "init_from", "safetensors");
        rejected("supervised", m -> m.put("init_from", 3), "init_from", "string");
        rejected("fixmatch", m -> group(m, "data").put("protocol", "A3"), "data.protocol", "A1");
        rejected("fixmatch", m -> group(m, "data").put("protocol", "A1"), "data.protocol", "10 classes", "4");
        rejected("fixmatch", m -> group(group(m, "data"), "protocol").remove("labeled_head"), "data.protocol.labeled_head", "required");
    }

    @Test
    void methodConstraintsAreChecked() {
        rejected("supervised", m -> m.put("mu_ratio", 2), "mu_ratio", "must be 0");
        rejected("fixmatch", m -> m.put("mu_ratio", 0), "mu_ratio", ">= 1");
        rejected("lyapema_probmixup", m -> {
            m.put("b_l", 3);
            m.put("mu_ratio", 1);
        }, "mu_ratio", "even", "R-S12");
        rejected("lyapema_ssmixup", m -> m.put("model", TinyRuns.vit(0)), "method", "ViM", "lyapema_probmixup");
        Map<String, Object> noBimamba = TinyRuns.vim(0);
        noBimamba.put("bimamba", "none");
        rejected("lyapema_ssmixup", m -> m.put("model", noBimamba), "method", "bimamba");
        assertDoesNotThrow(() -> TrainConfig.fromMap(base("lyapema_ssmixup")));
    }

    @Test
    void theModelMustFitTheData() {
        Map<String, Object> big = TinyRuns.vim(0);
        big.put("img_size", 16);
        rejected("fixmatch", m -> m.put("model", big), "model", "img_size 16", "12");
        Map<String, Object> classes = TinyRuns.vit(0);
        classes.put("num_classes", 10);
        rejected("fixmatch", m -> m.put("model", classes), "model", "10 classes", "4");
        rejected("fixmatch", m -> m.put("model", "vim-nano"), "model", "vim-nano");
        rejected("fixmatch", m -> m.put("model", 3), "model", "preset name");
        Map<String, Object> badKey = TinyRuns.vim(0);
        badKey.put("width", 3);
        rejected("fixmatch", m -> m.put("model", badKey), "model", "width");
    }

    @Test
    void modelsComeFromPresetsObjectsAndFiles(@TempDir Path dir) throws IOException {
        Map<String, Object> preset = base("fixmatch");
        preset.put("model", "vim-fmnist-tiny");
        preset.put("data", Map.of("source", "generated", "generated", Map.of("classes", 10, "per_class", 30), "protocol",
                Map.of("kind", "B", "pool_head", 20, "pool_gamma", 2, "labeled_percent", 50)));
        TrainConfig c = TrainConfig.fromMap(preset);
        assertEquals(64, ((ModelSpec.Vim) c.model()).config().embedDim());

        Map<String, Object> overridden = new LinkedHashMap<>(Map.of("arch", "vim", "preset", "vim-fmnist-tiny", "depth", 1));
        preset.put("model", overridden);
        assertEquals(1, ((ModelSpec.Vim) TrainConfig.fromMap(preset).model()).config().depth());

        Path file = dir.resolve("tiny-vit.json");
        Files.writeString(file, "{\"arch\":\"vit\",\"img_size\":12,\"patch_size\":4,\"in_chans\":1,\"embed_dim\":16,"
                + "\"depth\":1,\"num_heads\":2,\"num_classes\":4}");
        Map<String, Object> fromFile = base("fixmatch");
        fromFile.put("model", file.toString());
        TrainConfig v = TrainConfig.fromMap(fromFile);
        assertEquals(16, ((ModelSpec.Vit) v.model()).config().embedDim());
        assertEquals(TrainConfig.fromMap(Map.of("model", TinyRuns.vit(0), "method", "fixmatch", "steps", 100, "b_l", 8,
                "data", TinyRuns.data(), "seed", 7, "mu_ratio", 2, "lr", 3e-3, "warmup", 2)).hash(), v.hash(),
                "the hash covers the file's contents, not its name");
    }

    @Test
    void canonicalJsonReadsBackToTheSameConfigAndHash() {
        for (String method : Method.configNames()) {
            Map<String, Object> m = base(method);
            if (method.equals("lyapema")) group(m, "lyapema").putAll(Map.of("gamma_mode", "fixed", "gamma", 2.5));
            TrainConfig c = TrainConfig.fromMap(m);
            TrainConfig again = TrainConfig.fromJson(c.canonicalJson());
            assertEquals(c.canonicalJson(), again.canonicalJson(), method);
            assertEquals(c.hash(), again.hash());
            assertEquals(c, again, method);
            assertEquals(64, c.hash().length());
        }
        TrainConfig c = TrainConfig.fromMap(base("fixmatch"));
        assertNotEquals(c.hash(), c.with(Map.of("seed", 8)).hash());
        assertNotEquals(c.hash(), c.with(Map.of("tau", 0.9)).hash());
        assertEquals(c.hash(), TrainConfig.fromMap(base("fixmatch")).hash());
        assertTrue(c.canonicalJson().startsWith("{\"method\":\"fixmatch\",\"model\":{\"arch\":\"vim\""), c.canonicalJson());
    }

    @Test
    void badJsonIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("[1, 2]"));
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("{\"method\": "));
    }
}
