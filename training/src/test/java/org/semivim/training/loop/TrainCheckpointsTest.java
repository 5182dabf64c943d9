package org.semivim.training.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** N steps == k steps + checkpoint (CheckpointStore on disk) + resume + N − k steps, bit for bit; the JSONL log. */
class TrainCheckpointsTest {

    private static TrainConfig config(String method) {
        Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.2), 6);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        return TinyRuns.config(m);
    }

    @Test
    void aRunResumedFromADiskCheckpointIsBitIdentical(@TempDir Path runs) throws IOException {
        for (String method : List.of("fixmatch", "lyapema_ssmixup")) {
            TrainConfig c = config(method);
            TrainingData data = TinyRuns.loadData(c);
            ReferenceTrainer whole = new ReferenceTrainer(c, data);
            whole.run();

            Path runDir = runs.resolve(method);
            CheckpointStore store = new CheckpointStore(runDir);
            ReferenceTrainer first = new ReferenceTrainer(c, data);
            assertTrue(TrainCheckpoints.resume(store, first).isEmpty(), "a fresh run has nothing to resume");
            first.run(2);
            TrainCheckpoints.save(store, first);
            first.run(2);
            TrainCheckpoints.save(store, first);          // the newest: step 4

            ReferenceTrainer resumed = new ReferenceTrainer(c, data);
            Optional<LoadResult> loaded = TrainCheckpoints.resume(store, resumed);
            assertTrue(loaded.isPresent());
            assertEquals(4, loaded.get().checkpoint().step());
            assertEquals(4, resumed.nextStep());
            resumed.run();
            assertArrayEquals(whole.studentParameters(), resumed.studentParameters(), method);
            assertArrayEquals(whole.teacherParameters(), resumed.teacherParameters(), method);
            assertEquals(whole.state().methodState(), resumed.state().methodState(), method + ": LyapEMA state");
            assertTrue(Files.isRegularFile(store.directory(4).resolve("student.safetensors")), "student group file");
        }
    }

    @Test
    void aCheckpointOfAnotherConfigIsRefused(@TempDir Path runDir) throws IOException {
        TrainConfig c = config("ema_teacher");
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer t = new ReferenceTrainer(c, data);
        t.run(1);
        CheckpointStore store = new CheckpointStore(runDir);
        TrainCheckpoints.save(store, t);
        ReferenceTrainer other = new ReferenceTrainer(c.with(Map.of("seed", 99)), data);
        var e = assertThrows(org.semivim.training.checkpoint.CheckpointException.class, () -> TrainCheckpoints.resume(store, other));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertEquals(0, other.nextStep());
    }

    @Test
    void stepRecordsGoToTheJsonlLog(@TempDir Path dir) throws IOException {
        TrainConfig c = config("lyapema");
        ReferenceTrainer t = new ReferenceTrainer(c, TinyRuns.loadData(c));
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(file)) {
            t.addListener(new MetricsLogListener(log));
            t.run(3);
        }
        MetricsLog.Contents contents = MetricsLog.read(file);
        assertEquals(3, contents.records().size());
        for (int i = 0; i < 3; i++) {
            var r = contents.records().get(i);
            assertEquals(i, r.get("step").asLong());
            for (String key : new String[] {"loss", "loss_x", "loss_u", "mask_rate", "lr", "alpha", "d", "v", "s", "lam", "violated",
                    "still_violated_after_retry"}) {
                assertTrue(r.has(key), "record " + i + " has " + key + ": " + r);
            }
        }
        assertFalse(contents.records().get(0).get("violated").asBoolean(), "R-L6: not armed at the first step");
    }
}
