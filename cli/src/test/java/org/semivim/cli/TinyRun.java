package org.semivim.cli;

import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The tiny test run (tiny-run.conf: generated 12×12 images, 4 classes, a width-16 ViM) and helpers to compare runs. */
final class TinyRun {
    private TinyRun() {}

    /** Copies tiny-run.conf into {@code dir} and returns its path. */
    static Path config(Path dir) throws IOException {
        Path file = dir.resolve("tiny-run.conf");
        try (InputStream in = TinyRun.class.getResourceAsStream("/tiny-run.conf")) {
            assertNotNull(in);
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    /** The newest checkpoint of a run. */
    static Checkpoint lastCheckpoint(Path runDir, String configHash) throws IOException {
        return new CheckpointStore(runDir).latest(configHash).orElseThrow().checkpoint();
    }

    /** Asserts the two checkpoints hold the same step and bit-identical tensors (student, teacher, AdamW moments) and state. */
    static void assertSameBits(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.step(), actual.step());
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        for (Map.Entry<String, org.semivim.engine.tensor.Tensor> e : expected.tensors().entrySet()) {
            float[] a = e.getValue().toArray(), b = actual.tensors().get(e.getKey()).toArray();
            assertEquals(a.length, b.length, e.getKey());
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) fail(e.getKey() + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
        assertEquals(expected.state(), actual.state());
    }

    /**
     * Asserts the train state of two checkpoints is bit-identical (student, teacher, AdamW moments, step,
     * cursors, method state), leaving out what only the reference runtime's periodic evaluator adds
     * (the best/ tensors and the "evaluation" state).
     */
    static void assertSameTrainState(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.step(), actual.step());
        java.util.Map<String, org.semivim.engine.tensor.Tensor> a = new java.util.TreeMap<>(), b = new java.util.TreeMap<>();
        expected.tensors().forEach((k, v) -> { if (!k.startsWith("best/")) a.put(k, v); });
        actual.tensors().forEach((k, v) -> { if (!k.startsWith("best/")) b.put(k, v); });
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k).toArray(), y = b.get(k).toArray();
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) fail(k + "[" + i + "]: " + x[i] + " vs " + y[i]);
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode sa = expected.state().deepCopy(), sb = actual.state().deepCopy();
        sa.remove("evaluation");
        sb.remove("evaluation");
        assertEquals(sa, sb);
    }

    static List<com.fasterxml.jackson.databind.node.ObjectNode> records(Path runDir) throws IOException {
        return MetricsLog.read(runDir.resolve("metrics.jsonl")).records();
    }
}
