package org.semivim.training.arm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.models.arm.ArmTransfer;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.config.ConfigException;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ArmPretrainerTest {

    /** The tiny ViM (12 px, patch 4) padded to 16 px: 4×4 tokens, 4 clusters of 2×2; decoder 16 wide, 2 heads. */
    static Map<String, Object> armMap(long steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", TinyRuns.vim(0.0));
        m.put("data", TinyRuns.data());
        m.put("seed", 5);
        m.put("steps", steps);
        m.put("batch", 8);
        m.put("lr", 3e-3);
        m.put("warmup", 2);
        m.put("decoder_dim", 16);
        m.put("decoder_head_dim", 8);
        return m;
    }

    @Test
    void resumedRunIsBitIdentical(@TempDir Path dir) throws IOException {
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(armMap(6));
        TrainingData data = TrainingData.load(c.data());
        ArmPretrainer whole = new ArmPretrainer(c, data);
        whole.run();
        CheckpointStore store = new CheckpointStore(dir);
        ArmPretrainer first = new ArmPretrainer(c, data);
        assertTrue(first.resume(store).isEmpty());
        first.run(4);
        first.save(store);
        first.run(1);                                                      // lost work: not checkpointed
        ArmPretrainer resumed = new ArmPretrainer(c, data);
        assertEquals(4, resumed.resume(store).orElseThrow().checkpoint().step());
        resumed.run();
        assertEquals(6, resumed.nextStep());
        assertArrayEquals(whole.parameters(), resumed.parameters());
        assertEquals(whole.state().adamW().step(), resumed.state().adamW().step());
        assertArrayEquals(whole.state().adamW().secondMoment(), resumed.state().adamW().secondMoment());
        ArmPretrainer other = new ArmPretrainer(ArmPretrainConfig.fromMap(withKey(armMap(6), "seed", 6)), data);
        assertThrows(RuntimeException.class, () -> other.resume(store), "a checkpoint of another config is refused");
    }

    /** The reconstruction loss goes down on the generated images (a learning test, not a number to reproduce). */
    @Test
    void lossDecreasesAndMetricsAreLogged(@TempDir Path dir) throws IOException {
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(withKey(withKey(armMap(40), "augment", "none"), "clip", 1.0));
        ArmPretrainer t = new ArmPretrainer(c, TrainingData.load(c.data()));
        Path file = dir.resolve("arm.jsonl");
        double[] losses = new double[40];
        try (MetricsLog log = MetricsLog.open(file)) {
            t.addListener(r -> {
                losses[(int) r.step()] = r.loss();
                try {
                    log.append(r.step(), r.fields());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            t.run();
        }
        double first = (losses[0] + losses[1] + losses[2] + losses[3]) / 4, last = (losses[36] + losses[37] + losses[38] + losses[39]) / 4;
        assertTrue(last < 0.9 * first, "loss should fall: first steps " + first + ", last steps " + last);
        var records = MetricsLog.read(file).records();
        assertEquals(40, records.size());
        assertEquals("arm", records.get(3).get("stage").asText());
        assertEquals(losses[3], records.get(3).get("loss").asDouble());
        assertTrue(records.get(0).get("grad_norm").asDouble() > 0);
    }

    @Test
    void batchesComeFromTheLabeledAndUnlabeledPoolsOnly() {
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(armMap(200));
        TrainingData data = TrainingData.load(c.data());
        ArmPretrainer t = new ArmPretrainer(c, data);
        Set<Integer> pool = new HashSet<>();
        for (int i : data.split().labeled()) pool.add(i);
        for (int i : data.split().unlabeled()) pool.add(i);
        Set<Integer> seen = new HashSet<>();
        for (long s = 0; s < 60; s++) for (int i : t.batchIndices(s)) {
            assertTrue(pool.contains(i), "index " + i + " is not in the labeled or unlabeled pool");
            seen.add(i);
        }
        assertEquals(pool, seen, "60 batches of 8 cover every pooled image (an epoch is " + pool.size() + ")");
    }

    @Test
    void encoderFileHoldsTheEncoderAndTransfers(@TempDir Path dir) throws IOException {
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(armMap(2));
        ArmPretrainer t = new ArmPretrainer(c, TrainingData.load(c.data()));
        t.run();
        Path file = dir.resolve("encoder.safetensors");
        t.writeEncoder(file);
        Safetensors.Contents contents = Safetensors.read(file);
        assertEquals(t.model().encoderParameterNames(), java.util.List.copyOf(contents.tensors().keySet()));
        for (var e : contents.tensors().entrySet()) {
            assertArrayEquals(t.model().parameters().get(e.getKey()).value().toArray(), e.getValue().toArray(), e.getKey());
        }
        assertEquals("2", contents.metadata().get("step"));
        assertEquals(c.hash(), contents.metadata().get("config_hash"));
        VisionMamba vim = new VisionMamba(c.arm().target(), Ops.cpu());
        vim.initialize(1);
        ArmTransfer.transfer(contents.tensors(), c.arm(), vim.parameters(), ArmTransfer.PositionPolicy.RESAMPLED_SINCOS);
        Tensor xb = contents.tensors().get("layers.1.mixer.x_proj.weight");
        assertArrayEquals(xb.toArray(), vim.parameters().get("layers.1.mixer.x_proj_b.weight").value().toArray());
    }

    @Test
    void badKeysAreRejectedWithTheirPath() {
        var e1 = assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "decoder_dimm", 16)));
        assertEquals("decoder_dimm", e1.keyPath());
        var e2 = assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "clip", -1)));
        assertEquals("clip", e2.keyPath());
        var e3 = assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "decoder_head_dim", 5)));
        assertEquals("decoder_head_dim", e3.keyPath());
        var e4 = assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "pad", 1)));
        assertEquals("pad", e4.keyPath());
        Map<String, Object> uni = TinyRuns.vim(0.0);
        uni.put("bimamba", "none");
        var e5 = assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "model", uni)));
        assertEquals("model", e5.keyPath());
        assertThrows(ConfigException.class, () -> ArmPretrainConfig.fromMap(withKey(armMap(2), "augment", "strong")));
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(armMap(3));
        assertEquals(c, ArmPretrainConfig.fromMap(c.canonicalMap()));
        assertEquals(c.hash(), ArmPretrainConfig.fromMap(c.canonicalMap()).hash());
        assertNotEquals(c.hash(), ArmPretrainConfig.fromMap(withKey(armMap(3), "decoder_depth", 3)).hash());
    }

    static Map<String, Object> withKey(Map<String, Object> m, String key, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(m);
        out.put(key, value);
        return out;
    }
}
