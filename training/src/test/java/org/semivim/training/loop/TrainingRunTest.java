package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A run directory: files, skip when finished, resume after a crash equal to an uninterrupted run, refusal of another config. */
class TrainingRunTest {
    private static final TrainingRun.Options OPTIONS = new TrainingRun.Options(2, 16, PeriodicEvaluator.TestSchedule.END_ONLY);

    private static TrainConfig config(long steps) {
        Map<String, Object> m = TinyRuns.configMap("lyapema", TinyRuns.vim(0.1), steps);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        m.put("eval_every", 1);
        return TinyRuns.config(m);
    }

    @Test
    void aCrashedRunResumesToTheSameFilesAsAnUninterruptedOneAndAFinishedRunIsSkipped(@TempDir Path runs) throws IOException {
        TrainConfig c = config(7);
        TrainingData data = TinyRuns.loadData(c);
        Path whole = runs.resolve("whole"), crashed = runs.resolve("crashed");
        TrainingRun.Outcome a = TrainingRun.run(whole, c, data, OPTIONS, null);
        assertEquals(TrainingRun.Status.STARTED, a.status());

        // killed after step index 4 ran and was evaluated: checkpoint 4 exists, the step-5 lines are on disk
        CrashedRuns.crashAfterStep(crashed, c, data, OPTIONS, 4);
        assertEquals(List.of(2L, 4L), new CheckpointStore(crashed).steps());
        TrainingRun.Outcome b = TrainingRun.run(crashed, c, data, OPTIONS, null);
        assertEquals(TrainingRun.Status.RESUMED, b.status());
        assertEquals(4, b.startStep());
        CrashedRuns.assertSameRunFiles(whole, a, crashed, b);
        assertArrayEquals(Files.readAllBytes(new CheckpointStore(whole).directory(7).resolve("teacher.safetensors")),
                Files.readAllBytes(new CheckpointStore(crashed).directory(7).resolve("teacher.safetensors")), "final checkpoint");

        // the logs: one step line per step, one eval line per step, then the best line
        assertEquals(7, MetricsLog.read(whole.resolve(TrainingRun.METRICS)).records().size());
        List<String> types = MetricsLog.read(whole.resolve(TrainingRun.EVAL)).records().stream().map(r -> r.get("type").asText()).toList();
        assertEquals(List.of("eval", "eval", "eval", "eval", "eval", "eval", "eval", "best"), types);
        JsonNode result = a.result();
        assertEquals("teacher", result.get("primary").asText());
        assertEquals(7, result.get("steps").asLong());
        assertTrue(result.get("method_state").has("violations"), "LyapEMA state in the result");
        assertTrue(result.get("best").get("test").get("top1").isNumber());

        TrainingRun.Outcome again = TrainingRun.run(crashed, c, data, OPTIONS, r -> fail("a finished run must not train"));
        assertEquals(TrainingRun.Status.FINISHED_BEFORE, again.status());
        assertEquals(b.result(), again.result());
    }

    @Test
    void aCrashAfterTheFinalCheckpointButBeforeTheResultEndsTheRunWithoutTrainingOrDuplicateLines(@TempDir Path runs) throws IOException {
        TrainConfig c = config(4);
        TrainingData data = TinyRuns.loadData(c);
        Path dir = runs.resolve("run");
        TrainingRun.Outcome first = TrainingRun.run(dir, c, data, OPTIONS, null);
        byte[] evals = Files.readAllBytes(dir.resolve(TrainingRun.EVAL));
        Files.delete(dir.resolve(TrainingRun.RESULT));
        TrainingRun.Outcome second = TrainingRun.run(dir, c, data, OPTIONS, r -> fail("nothing left to train"));
        assertEquals(TrainingRun.Status.RESUMED, second.status());
        assertArrayEquals(evals, Files.readAllBytes(dir.resolve(TrainingRun.EVAL)));
        assertEquals(CrashedRuns.withoutTimes(first.result()).get("best"), CrashedRuns.withoutTimes(second.result()).get("best"));
        assertEquals(CrashedRuns.withoutTimes(first.result()).get("final"), CrashedRuns.withoutTimes(second.result()).get("final"));
    }

    @Test
    void aDirectoryOfAnotherConfigIsRefused(@TempDir Path runs) throws IOException {
        TrainConfig c = config(2);
        TrainingData data = TinyRuns.loadData(c);
        TrainingRun.run(runs, c, data, OPTIONS, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.run(runs, c.with(Map.of("seed", 8)), data, OPTIONS, null));
        assertTrue(e.getMessage().contains("another config"), e.getMessage());
    }
}
