package org.semivim.training.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.ConfigException;
import org.semivim.training.config.PipelineConfig;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SemiVimPipelineTest {
    static final long ARM = 4, FT = 3, SSL = 3;

    /** The tiny ViM on the tiny generated data: ARM 4 steps → partial fine-tune 3 → lyapema_ssmixup 3. */
    static Map<String, Object> pipelineMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", TinyRuns.vim(0.0));
        m.put("data", TinyRuns.data());
        m.put("seed", 11);
        m.put("arm", new LinkedHashMap<>(Map.of("steps", ARM, "batch", 8, "lr", 3e-3, "warmup", 1, "decoder_dim", 16, "decoder_head_dim", 8)));
        m.put("finetune", new LinkedHashMap<>(Map.of("steps", FT, "b_l", 8, "lr", 3e-3, "warmup", 1)));
        m.put("ssl", new LinkedHashMap<>(Map.of("steps", SSL, "b_l", 8, "mu_ratio", 2, "lr", 3e-3, "warmup", 1,
                "tau", TinyRuns.PARTIAL_TAU_VIM)));
        return m;
    }

    @Test
    void aPipelineInterruptedInEveryStageEndsBitIdentical(@TempDir Path dir) throws IOException {
        PipelineConfig c = PipelineConfig.fromMap(pipelineMap());
        TrainingData data = TrainingData.load(c.data());
        SemiVimPipeline whole = new SemiVimPipeline(c, data, dir.resolve("whole"), 2, Ops.cpu());
        assertEquals(SemiVimPipeline.Stage.ARM, whole.stage());
        assertTrue(whole.run(Long.MAX_VALUE));
        assertEquals(SemiVimPipeline.Stage.DONE, whole.stage());

        Path cut = dir.resolve("cut");
        // each call is a fresh process' worth of objects; checkpoints every 2 steps, so some work is redone
        assertFalse(new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).run(3));                  // ARM steps 0..2, checkpoint at 2
        assertEquals(SemiVimPipeline.Stage.ARM, new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).stage());
        assertFalse(new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).run(4));                  // ARM 2..3 (end), fine-tune 0..1
        assertEquals(SemiVimPipeline.Stage.FINETUNE, new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).stage());
        java.nio.file.Files.delete(cut.resolve("arm").resolve("encoder.safetensors"));       // a lost export is written again
        assertEquals(SemiVimPipeline.Stage.ARM, new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).stage());
        assertFalse(new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).run(2));                  // fine-tune 2 (end), SSL 0
        assertEquals(SemiVimPipeline.Stage.SSL, new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).stage());
        assertFalse(new SemiVimPipeline(c, data, cut, 2, Ops.cpu()).run(2));                  // SSL 0..1 (redoes 0), checkpoint at 2
        assertTrue(java.nio.file.Files.exists(cut.resolve("arm").resolve("encoder.safetensors")));
        SemiVimPipeline last = new SemiVimPipeline(c, data, cut, 2, Ops.cpu());
        assertTrue(last.run(Long.MAX_VALUE));

        var encA = Safetensors.read(whole.encoderFile()).tensors();
        var encB = Safetensors.read(last.encoderFile()).tensors();
        assertEquals(encA.keySet(), encB.keySet());
        for (String k : encA.keySet()) assertArrayEquals(encA.get(k).toArray(), encB.get(k).toArray(), k);
        assertArrayEquals(whole.finalState("finetune").student(), last.finalState("finetune").student(), "fine-tuned student");
        TrainState a = whole.finalState("ssl"), b = last.finalState("ssl");
        assertArrayEquals(a.student(), b.student(), "SSL student");
        assertArrayEquals(a.teacher(), b.teacher(), "SSL teacher");
        assertEquals(a.methodState(), b.methodState(), "LyapEMA state");
        for (String stage : List.of("arm", "finetune", "ssl")) {
            var ra = MetricsLog.read(dir.resolve("whole").resolve(stage).resolve("metrics.jsonl")).records();
            var rb = MetricsLog.read(cut.resolve(stage).resolve("metrics.jsonl")).records();
            assertEquals(ra.stream().map(r -> r.get("step").asLong()).toList(), rb.stream().map(r -> r.get("step").asLong()).toList(), stage);
            assertEquals(ra.toString(), rb.toString(), stage + " metrics");
        }
        var ssl = MetricsLog.read(cut.resolve("ssl").resolve("metrics.jsonl")).records();
        assertTrue(ssl.stream().anyMatch(r -> r.get("mask_rate").asDouble() > 0), "some pseudo-labels pass tau, so SSMixup runs: " + ssl);
    }

    /** The stages chain: the fine-tune starts from the transfer, the SSL teacher from the fine-tuned student. */
    @Test
    void stagesStartFromThePreviousStage(@TempDir Path dir) throws IOException {
        Map<String, Object> m = pipelineMap();
        PipelineConfig c = PipelineConfig.fromMap(m);
        TrainingData data = TrainingData.load(c.data());
        SemiVimPipeline p = new SemiVimPipeline(c, data, dir, 100, Ops.cpu());
        assertTrue(p.run(Long.MAX_VALUE));
        var enc = Safetensors.read(p.encoderFile()).tensors();
        TrainState ft = p.finalState("finetune");
        var layout = c.finetune().model().create(Ops.reference(), 0).parameters();
        // frozen in the partial fine-tune: still exactly the transferred encoder tensors
        for (String name : List.of("patch_embed.proj.weight", "layers.0.mixer.in_proj.weight", "layers.1.mixer.out_proj.weight",
                "layers.1.norm.weight")) {
            var q = layout.get(name);
            assertArrayEquals(enc.get(name).toArray(), java.util.Arrays.copyOfRange(ft.student(), q.offset(), q.offset() + q.size()), name);
        }
        // a different fine-tuned student gives a different SSL end point (the SSL stage really starts from it)
        Map<String, Object> m2 = pipelineMap();
        ((Map<String, Object>) m2.get("finetune")).put("lr", 1e-2);
        SemiVimPipeline p2 = new SemiVimPipeline(PipelineConfig.fromMap(m2), data, dir.resolve("other"), 100, Ops.cpu());
        assertTrue(p2.run(Long.MAX_VALUE));
        assertFalse(java.util.Arrays.equals(p.finalState("ssl").teacher(), p2.finalState("ssl").teacher()));
        var e = assertThrows(IllegalArgumentException.class, () -> new SemiVimPipeline(PipelineConfig.fromMap(m2), data, dir, 100, Ops.cpu()));
        assertTrue(e.getMessage().contains("another pipeline"), e.getMessage());
    }

    /** pretrain none (the ablation): no ARM stage; a full fine-tune is then exactly a plain supervised run from the config's init. */
    @Test
    void withoutPretrainingTheFineTuneIsAPlainSupervisedRun(@TempDir Path dir) throws IOException {
        Map<String, Object> m = pipelineMap();
        m.remove("arm");
        m.put("pretrain", "none");
        ((Map<String, Object>) m.get("finetune")).put("full", true);
        PipelineConfig c = PipelineConfig.fromMap(m);
        assertNull(c.arm());
        TrainingData data = TrainingData.load(c.data());
        SemiVimPipeline p = new SemiVimPipeline(c, data, dir, 2, Ops.cpu());
        assertEquals(SemiVimPipeline.Stage.FINETUNE, p.stage());
        assertTrue(p.run(Long.MAX_VALUE));
        assertFalse(java.nio.file.Files.exists(dir.resolve("arm")));
        org.semivim.training.loop.ReferenceTrainer plain = new org.semivim.training.loop.ReferenceTrainer(c.finetune(), data);
        plain.run();
        assertArrayEquals(plain.studentParameters(), p.finalState("finetune").student());
        assertEquals(c.hash(), PipelineConfig.fromMap(c.canonicalMap()).hash());
        Map<String, Object> both = pipelineMap();
        both.put("pretrain", "none");
        assertPath("arm", both);
        Map<String, Object> bad = pipelineMap();
        bad.put("pretrain", "mae");
        assertPath("pretrain", bad);
    }

    @Test
    void configErrorsNameTheKeyPath() {
        assertPath("finetune.lr", withStage("finetune", "lr", -1));
        assertPath("ssl.method", withStage("ssl", "method", "supervised"));
        assertPath("finetune.method", withStage("finetune", "method", "fixmatch"));
        assertPath("finetune.full", withStage("finetune", "full", "yes"));
        assertPath("finetune.pos_embed", withStage("finetune", "pos_embed", "learned"));
        assertPath("ssl.lyapema.no_such_key", withStage("ssl", "lyapema", Map.of("no_such_key", 1)));
        assertPath("finetune.model", withStage("finetune", "model", "vim-fmnist-tiny"));
        assertPath("arm.decoder_depth", withStage("arm", "decoder_depth", 0));
        assertPath("arm.model", withStage("arm", "model", "vim-fmnist-tiny"));
        Map<String, Object> noSteps = pipelineMap();
        ((Map<String, Object>) noSteps.get("ssl")).remove("steps");
        assertPath("ssl.steps", noSteps);
        Map<String, Object> unknown = pipelineMap();
        unknown.put("stages", 3);
        assertPath("stages", unknown);
        PipelineConfig c = PipelineConfig.fromMap(pipelineMap());
        assertEquals("lyapema_ssmixup", c.ssl().method().configName());
        assertFalse(c.fullFineTune());
        PipelineConfig again = PipelineConfig.fromMap(c.canonicalMap());
        assertEquals(c.canonicalJson(), again.canonicalJson());
        assertEquals(c.hash(), again.hash());
        assertNotEquals(c.hash(), PipelineConfig.fromMap(withStage("finetune", "full", true)).hash());
    }

    private static Map<String, Object> withStage(String stage, String key, Object value) {
        Map<String, Object> m = pipelineMap();
        ((Map<String, Object>) m.get(stage)).put(key, value);
        return m;
    }

    private static void assertPath(String path, Map<String, Object> map) {
        var e = assertThrows(ConfigException.class, () -> PipelineConfig.fromMap(map));
        assertEquals(path, e.keyPath(), e.getMessage());
    }
}
