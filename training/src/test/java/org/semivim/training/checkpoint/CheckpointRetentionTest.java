package org.semivim.training.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.training.checkpoint.CheckpointStoreTest.HASH;
import static org.semivim.training.checkpoint.CheckpointStoreTest.state;
import static org.semivim.training.checkpoint.CheckpointStoreTest.tensors;

class CheckpointRetentionTest {
    @TempDir
    Path runDir;

    @Test
    void keepsTheLastThreeByDefault() throws IOException {
        CheckpointStore store = new CheckpointStore(runDir);
        for (long step = 1; step <= 6; step++) store.write(step * 10, tensors(step), state(step), HASH);
        assertEquals(List.of(40L, 50L, 60L), store.steps());
        assertEquals(60, store.latest(HASH).orElseThrow().checkpoint().step());
        assertEquals(40, store.load(40, HASH).step());
    }

    @Test
    void keepLastOneKeepsOnlyTheCheckpointJustWritten() throws IOException {
        CheckpointStore store = new CheckpointStore(runDir, 1);
        store.write(1, tensors(1), state(1), HASH);
        store.write(2, tensors(2), state(2), HASH);
        assertEquals(List.of(2L), store.steps());
        assertEquals(2, store.latest(HASH).orElseThrow().checkpoint().step());
    }

    @Test
    void writingAnOlderStepSupersedesNewerCheckpointsButKeepsOlderGoodOnes() throws IOException {
        CheckpointStore store = new CheckpointStore(runDir, 3);
        for (long step : new long[] {100, 200, 300}) store.write(step, tensors(step), state(step), HASH);
        Files.delete(store.directory(300).resolve("DONE"));
        // the run resumes from the fallback (200) and writes 250: 300 is superseded, 100 and 200 stay
        LoadResult resumed = store.latest(HASH).orElseThrow();
        assertEquals(200, resumed.checkpoint().step());
        store.write(250, tensors(250), state(250), HASH);
        assertEquals(List.of(100L, 200L, 250L), store.steps());
        assertFalse(store.latest(HASH).orElseThrow().fellBack());
    }

    @Test
    void theCheckpointJustWrittenIsNeverDeletedEvenWhenNewerOnesExist() throws IOException {
        CheckpointStore store = new CheckpointStore(runDir, 1);
        store.write(500, tensors(500), state(500), HASH);
        store.write(100, tensors(100), state(100), HASH);
        assertEquals(List.of(100L), store.steps());
        assertEquals(100, store.latest(HASH).orElseThrow().checkpoint().step());
    }

    @Test
    void rewritingAStepReplacesItsCheckpoint() throws IOException {
        CheckpointStore store = new CheckpointStore(runDir);
        store.write(100, tensors(100), state(100), HASH);
        Files.delete(store.directory(100).resolve("DONE"));  // e.g. damaged, then written again after a resume
        store.write(100, tensors(101), state(101), HASH);
        Checkpoint c = store.load(100, HASH);
        assertEquals(101, c.state().get("step").asLong());
        assertEquals(List.of(100L), store.steps());
        try (var entries = Files.list(store.checkpointsDir())) {
            assertEquals(List.of("step-000000100"), entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    /**
     * A reader polling while the writer writes (and retention deletes) must only ever see
     * complete checkpoints: no refusal, and tensors and state of the step it claims. Tensors are
     * large enough (4 × 256 KiB) that a write takes a while, so a non-atomic publish would be caught.
     */
    @Test
    void aConcurrentReaderNeverSeesAPartialCheckpoint() throws Exception {
        CheckpointStore writer = new CheckpointStore(runDir, 2);
        CheckpointStore reader = new CheckpointStore(runDir, 2);
        int steps = 25;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Long> seen = new ArrayList<>();
        Thread readerThread = new Thread(() -> {
            try {
                while (writing.get()) {
                    Optional<LoadResult> r = reader.latest(HASH);
                    if (r.isEmpty()) continue;
                    assertTrue(r.get().refusals().isEmpty(), () -> "refused: " + r.get().refusals());
                    Checkpoint c = r.get().checkpoint();
                    assertEquals(c.step(), c.state().get("step").asLong());
                    Tensor big = c.tensor("student/big");
                    for (int i = 0; i < big.size; i += 997) assertEquals((float) c.step(), big.get(i));
                    seen.add(c.step());
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        readerThread.start();
        try {
            for (long step = 1; step <= steps; step++) {
                Map<String, Tensor> t = new LinkedHashMap<>();
                for (String group : new String[] {"student", "teacher", "adamw.m", "adamw.v"}) {
                    float[] values = new float[1 << 16];
                    java.util.Arrays.fill(values, step);
                    t.put(group + "/big", Tensor.wrap(values, values.length));
                }
                writer.write(step, t, state(step), HASH);
            }
        } finally {
            writing.set(false);
            readerThread.join();
        }
        assertNull(failure.get(), () -> "reader failed: " + failure.get());
        assertFalse(seen.isEmpty(), "the reader never loaded a checkpoint");
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) >= seen.get(i - 1), "steps went backwards: " + seen);
    }
}
