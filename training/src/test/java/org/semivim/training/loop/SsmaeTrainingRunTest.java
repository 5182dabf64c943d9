package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SSMAE in a run directory: a run killed mid-way (memory non-empty, gate open) and resumed leaves the same
 * files and parameters as an uninterrupted one; the evaluator sees the classifier only, the student is primary;
 * result.json reports the gate and the memory.
 */
class SsmaeTrainingRunTest {
    private static final TrainingRun.Options OPTIONS = new TrainingRun.Options(2, 16, PeriodicEvaluator.TestSchedule.END_ONLY);

    /** 4 steps per epoch; the gate is evaluated from epoch 1 (step 4) with thresholds the tiny model passes, so the memory fills. */
    private static TrainConfig config(long steps) {
        Map<String, Object> m = TinyRuns.configMap("ssmae", TinyRuns.vit(0.1), steps);
        m.put("shards", 3);
        m.put("eval_every", 1);
        m.put("ssmae", new LinkedHashMap<>(Map.of("gate_start_epoch", 1, "confidence", 0.3, "gate_accuracy", 0.0,
                "decoder_width", 16, "decoder_depth", 1, "decoder_heads", 2)));
        return TinyRuns.config(m);
    }

    @Test
    void aCrashedSsmaeRunResumesToTheSameFilesAsAnUninterruptedOne(@TempDir Path runs) throws IOException {
        TrainConfig c = config(10);
        TrainingData data = TinyRuns.loadData(c);
        Path whole = runs.resolve("whole"), crashed = runs.resolve("crashed");
        TrainingRun.Outcome a = TrainingRun.run(whole, c, data, OPTIONS, null);
        assertEquals(TrainingRun.Status.STARTED, a.status());

        // killed after step index 6 ran and was evaluated: checkpoint 6 (gate open, memory non-empty) is the newest
        CrashedRuns.crashAfterStep(crashed, c, data, OPTIONS, 6);
        CheckpointStore crashedStore = new CheckpointStore(crashed);
        assertEquals(List.of(2L, 4L, 6L), crashedStore.steps());
        Checkpoint at6 = crashedStore.latest(c.hash()).orElseThrow().checkpoint();
        assertTrue(at6.state().path("method_state").path("memory").size() > 0, "the memory is non-empty at the checkpoint: " + at6.state());
        assertTrue(at6.state().path("method_state").path("gate").path("enabled").asBoolean(), "the gate is open at the checkpoint");
        assertTrue(at6.state().path(TrainCheckpoints.EVALUATION_KEY).has("best_step"), "the evaluator's state is in the checkpoint");
        assertTrue(at6.tensors().keySet().stream().anyMatch(n -> n.startsWith(PeriodicEvaluator.BEST_GROUP)), "the best parameters too");

        TrainingRun.Outcome b = TrainingRun.run(crashed, c, data, OPTIONS, null);
        assertEquals(TrainingRun.Status.RESUMED, b.status());
        assertEquals(6, b.startStep());
        CrashedRuns.assertSameRunFiles(whole, a, crashed, b);
        Path wholeFinal = new CheckpointStore(whole).directory(10), crashedFinal = crashedStore.directory(10);
        try (var files = Files.list(wholeFinal)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(crashedFinal.resolve(f.getFileName())), "final checkpoint " + f.getFileName());
            }
        }
        assertEquals(new CheckpointStore(whole).latest(c.hash()).orElseThrow().checkpoint().state(),
                crashedStore.latest(c.hash()).orElseThrow().checkpoint().state(), "final train state: memory, gate, evaluator");
        assertTrue(Files.isDirectory(whole.resolve(RunTrainer.SSMAE_WORK)), "SSMAE's work files are inside the run directory");

        // logs: a step line per step with SSMAE's fields, an eval line per step with the student only, then the best line
        List<ObjectNode> steps = MetricsLog.read(whole.resolve(TrainingRun.METRICS)).records();
        assertEquals(10, steps.size());
        assertTrue(steps.get(9).has("memory_size") && steps.get(9).has("gate_enabled") && steps.get(9).has("loss_mae"));
        List<ObjectNode> evals = MetricsLog.read(whole.resolve(TrainingRun.EVAL)).records();
        assertEquals(11, evals.size());
        assertEquals("best", evals.get(10).get("type").asText());
        for (ObjectNode e : evals) assertEquals(Set.of(PeriodicEvaluator.STUDENT), fieldNames(e.get("validation")));

        // result.json: the student is primary; the method state is SSMAE's summary
        JsonNode result = a.result();
        assertEquals("ssmae", result.get("method").asText());
        assertEquals("student", result.get("primary").asText());
        assertEquals(10, result.get("steps").asLong());
        JsonNode state = result.get("method_state");
        long memorySize = state.get("memory_size").asLong();
        assertEquals(steps.get(9).get("memory_size").asLong(), memorySize);
        assertTrue(memorySize > 0);
        assertEquals(steps.get(9).get("memory_acc").asDouble(), state.get("memory_accuracy").asDouble(), 1e-12);
        long byLabel = 0;
        for (JsonNode n : state.get("memory_by_label")) byLabel += n.asLong();
        assertEquals(memorySize, byLabel);
        assertEquals(TinyRuns.CLASSES, state.get("memory_by_label").size());
        assertTrue(state.get("gate").get("enabled").asBoolean());
        assertEquals(2, state.get("gate").get("epoch").asLong());
        assertEquals(2.5, state.get("epochs").asDouble(), 0.0);
        assertTrue(result.get("best").get("test").get("top1").isNumber());

        // best.safetensors holds the classifier (config.model()'s names), not the decoder
        var classifier = c.model().create(Ops.cpu(), 0);
        assertEquals(classifier.parameters().names(), Safetensors.read(whole.resolve(TrainingRun.BEST)).tensors().keySet());

        TrainingRun.Outcome again = TrainingRun.run(crashed, c, data, OPTIONS, r -> fail("a finished run must not train"));
        assertEquals(TrainingRun.Status.FINISHED_BEFORE, again.status());
        assertEquals(b.result(), again.result());
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> out = new java.util.LinkedHashSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
