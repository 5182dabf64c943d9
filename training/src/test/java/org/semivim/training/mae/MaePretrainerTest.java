package org.semivim.training.mae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.VisionTransformer;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.ConfigException;
import org.semivim.training.config.MaePretrainConfig;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaePretrainerTest {

    static Map<String, Object> configMap(long steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", TinyRuns.vit(0.1));
        m.put("data", TinyRuns.data());
        m.put("seed", 5);
        m.put("steps", steps);
        m.put("batch", 12);
        m.put("shards", 3);
        m.put("lr", 3e-3);
        m.put("warmup", 2);
        m.put("mae", new LinkedHashMap<>(Map.of("decoder_width", 16, "decoder_depth", 1, "decoder_heads", 2, "mask_ratio", 0.5)));
        return m;
    }

    static MaePretrainConfig config(long steps) {
        return MaePretrainConfig.fromMap(configMap(steps));
    }

    @Test
    void configDefaultsAndStrictKeys() {
        Map<String, Object> m = configMap(10);
        m.remove("lr");
        m.remove("mae");
        MaePretrainConfig c = MaePretrainConfig.fromMap(m);
        assertEquals(1.5e-4 * 12 / 256, c.lr(), 1e-18);
        assertEquals(0.0, c.minLr());
        assertTrue(c.mae().normPix(), "MAE pre-training uses norm_pix by default (§2.9: recommended)");
        assertEquals(0.75, c.mae().maskRatio());
        assertEquals(MaePretrainConfig.ImagePool.SPLIT, c.images());
        assertEquals(c, MaePretrainConfig.fromMap(c.canonicalMap()));
        assertEquals(c.hash(), MaePretrainConfig.fromMap(c.canonicalMap()).hash());
        assertFalse(c.hash().equals(c.with(Map.of("seed", 6)).hash()));

        assertRejected(Map.of("epochs", 3), "epochs");
        assertRejected(Map.of("mae", Map.of("decoder_heads", 3)), "mae.decoder_heads");
        assertRejected(Map.of("mae", Map.of("decoder_width", 18)), "mae.decoder_width");
        assertRejected(Map.of("mae", Map.of("norm_pix", "yes")), "mae.norm_pix");
        assertRejected(Map.of("images", "test"), "images");
        assertRejected(Map.of("model", TinyRuns.vim(0)), "model");
        assertRejected(Map.of("shards", 13), "shards");
        Map<String, Object> avg = TinyRuns.vit(0);
        avg.put("global_pool", "avg");
        assertRejected(Map.of("model", avg), "mae");
    }

    private static void assertRejected(Map<String, Object> override, String path) {
        Map<String, Object> m = configMap(10);
        m.putAll(override);
        ConfigException e = assertThrows(ConfigException.class, () -> MaePretrainConfig.fromMap(m));
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
    }

    @Test
    void samplesOnlyTheSplitsTrainingImagesAndLearns(@TempDir Path dir) throws IOException {
        MaePretrainConfig c = config(40);
        TrainingData data = TrainingData.load(c.data());
        int[] pool = MaePretrainer.pool(c, data);
        Set<Integer> allowed = new HashSet<>();
        for (int i : data.split().labeled()) allowed.add(i);
        for (int i : data.split().unlabeled()) allowed.add(i);
        assertEquals(allowed.size(), pool.length);
        for (int i : pool) assertTrue(allowed.contains(i));
        for (int v : data.split().validation()) assertFalse(allowed.contains(v), "validation images are never pre-trained on");
        assertEquals(data.train().count(), MaePretrainer.pool(c.with(Map.of("images", "train")), data).length);

        MaePretrainer t = new MaePretrainer(c, data);
        Path log = dir.resolve("mae.jsonl");
        double first = 0, last = 0;
        try (MetricsLog metrics = MetricsLog.open(log)) {
            MaeCheckpoints.logTo(t, metrics);
            for (int s = 0; s < 40; s++) {
                MaePretrainer.StepRecord r = t.runStep();
                assertFalse(r.skipped());
                assertTrue(Double.isFinite(r.loss()) && r.loss() > 0);
                if (s < 5) first += r.loss() / 5;
                if (s >= 35) last += r.loss() / 5;
            }
        }
        assertTrue(last < 0.8 * first, "the reconstruction loss should fall: first 5 steps " + first + ", last 5 " + last);
        var records = MetricsLog.read(log).records();
        assertEquals(40, records.size());
        assertEquals(0, records.get(0).get("step").asLong());
        assertEquals(0.0, records.get(0).get("lr").asDouble());                  // warm-up starts at 0
        assertEquals(3e-3, records.get(2).get("lr").asDouble(), 1e-12);         // end of the 2-step warm-up
        assertTrue(records.get(39).get("loss").isNumber() && records.get(39).has("grad_norm"));
    }

    /** N steps == k steps + checkpoint on disk + resume + N − k steps, bit for bit. */
    @Test
    void resumeFromACheckpointIsBitIdentical(@TempDir Path dir) throws IOException {
        MaePretrainConfig c = config(6);
        TrainingData data = TrainingData.load(c.data());
        MaePretrainer whole = new MaePretrainer(c, data);
        whole.run();

        CheckpointStore store = new CheckpointStore(dir);
        MaePretrainer first = new MaePretrainer(c, data);
        assertTrue(MaeCheckpoints.resume(store, first).isEmpty());
        first.run(4);
        MaeCheckpoints.save(store, first);
        MaePretrainer resumed = new MaePretrainer(c, data);
        assertEquals(4, MaeCheckpoints.resume(store, resumed).orElseThrow().checkpoint().step());
        resumed.run();
        assertArrayEquals(whole.parameters(), resumed.parameters());
        assertArrayEquals(whole.state().adamW().firstMoment(), resumed.state().adamW().firstMoment());

        MaePretrainer other = new MaePretrainer(c.with(Map.of("seed", 9)), data);
        assertThrows(Exception.class, () -> MaeCheckpoints.resume(store, other));
        assertEquals(0, other.nextStep());
    }

    /** At step 0 the loss with 1 and 4 shards agrees to float summation (shares n_s/B; no drop-path here). */
    @Test
    void shardsSplitRowsNotTheLoss() {
        double[] loss = new double[2];
        int k = 0;
        for (int shards : new int[]{1, 4}) {
            Map<String, Object> m = configMap(2);
            m.put("model", TinyRuns.vit(0.0));
            m.put("shards", shards);
            MaePretrainConfig c = MaePretrainConfig.fromMap(m);
            loss[k++] = new MaePretrainer(c, TrainingData.load(c.data())).runStep().loss();
        }
        assertEquals(loss[0], loss[1], 1e-6 * loss[0]);
    }

    /** The fine-tuned-MAE baseline: a supervised ViT with init_from starts from the pre-trained encoder, with a fresh head. */
    @Test
    void aSupervisedClassifierStartsFromThePretrainedEncoder(@TempDir Path dir) throws IOException {
        MaePretrainConfig c = config(3);
        TrainingData data = TrainingData.load(c.data());
        MaePretrainer pre = new MaePretrainer(c, data);
        pre.run();
        Path encoder = dir.resolve("encoder.safetensors");
        pre.saveEncoder(encoder);
        Map<String, ?> meta = Safetensors.read(encoder).metadata();
        assertEquals("semivim-mae-encoder", meta.get("format"));

        Map<String, Object> sup = TinyRuns.configMap("supervised", TinyRuns.vit(0.1), 2);
        sup.put("init_from", encoder.toString());
        TrainConfig tc = TrainConfig.fromMap(sup);
        assertEquals(encoder.toString(), tc.canonicalMap().get("init_from"));
        assertEquals(tc, TrainConfig.fromMap(tc.canonicalMap()));
        ReferenceTrainer fine = new ReferenceTrainer(tc, data);
        ReferenceTrainer scratch = new ReferenceTrainer(TinyRuns.config("supervised", TinyRuns.vit(0.1), 2), data);
        assertEquals(List.of("head.weight", "head.bias"), fine.initFrom().kept());
        VitConfig vit = c.maeConfig().encoder();
        VisionTransformer fresh = new VisionTransformer(vit, Ops.cpu(), c.seed());
        int checked = 0;
        for (Parameter p : fine.student().parameters().parameters()) {
            float[] got = p.value().toArray();
            if (p.name().startsWith("head.")) {
                assertArrayEquals(scratch.student().parameters().get(p.name()).value().toArray(), got, "the head starts fresh");
            } else {
                float[] pretrained = pre.model().parameters().get(p.name()).value().toArray();
                assertArrayEquals(pretrained, got, p.name());
                if (!Arrays.equals(fresh.parameters().get(p.name()).value().toArray(), pretrained)) checked++;
            }
        }
        assertTrue(checked > 10, "pre-training moved the encoder, so the loaded weights are not an initialisation: " + checked);
        fine.run();   // and it trains

        Path whole = dir.resolve("whole-mae.safetensors");
        Safetensors.save(pre.model().parameters(), whole, Map.of());
        sup.put("init_from", whole.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReferenceTrainer(TrainConfig.fromMap(sup), data));
        assertTrue(e.getMessage().contains("decoder_embed.weight") && e.getMessage().contains("names no parameter"), e.getMessage());
        Path wrongShape = dir.resolve("wrong-shape.safetensors");
        Safetensors.write(wrongShape, Map.of("cls_token", org.semivim.engine.tensor.Tensor.zeros(1, 1, 8)), Map.of());
        sup.put("init_from", wrongShape.toString());
        e = assertThrows(IllegalArgumentException.class, () -> new ReferenceTrainer(TrainConfig.fromMap(sup), data));
        assertTrue(e.getMessage().contains("'cls_token' has shape [1, 1, 8]"), e.getMessage());
        sup.put("init_from", dir.resolve("missing.safetensors").toString());
        assertThrows(IllegalArgumentException.class, () -> new ReferenceTrainer(TrainConfig.fromMap(sup), data));
    }
}
