package org.semivim.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Running a config both ways and comparing bit for bit. */
final class RunAssertions {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private RunAssertions() {}

    /** The reference trainer's final state and records. */
    record Reference(float[] student, float[] teacher, List<StepRecord> records) {}

    static Reference reference(TrainConfig config, TrainingData data) {
        ReferenceTrainer trainer = new ReferenceTrainer(config, data);
        List<StepRecord> records = new ArrayList<>();
        trainer.addListener(records::add);
        trainer.run();
        return new Reference(trainer.studentParameters(), trainer.teacherParameters(), records);
    }

    /** SsmaeTrainer's final parameters and records (its memory file in {@code workDir}). */
    static Reference ssmaeReference(TrainConfig config, TrainingData data, java.nio.file.Path workDir) {
        try (org.semivim.training.ssmae.SsmaeTrainer trainer = new org.semivim.training.ssmae.SsmaeTrainer(config, data, workDir)) {
            List<StepRecord> records = new ArrayList<>();
            trainer.addListener(records::add);
            trainer.run();
            return new Reference(trainer.parameters(), null, records);
        }
    }

    /** Runs on the actor runtime inside {@code kit} (every message serialized) and waits for the result. */
    static RunResult actors(ActorTestKit kit, TrainConfig config, TrainingData data, RunOptions options) throws Exception {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        kit.spawn(RunGuardian.create(config, data, options, result), "run-" + RUNS.incrementAndGet());
        return result.get(300, TimeUnit.SECONDS);
    }

    static void assertBitIdentical(float[] expected, float[] actual, String what) {
        if (expected == null) {
            assertNull(actual, what);
            return;
        }
        assertNotNull(actual, what);
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + " differs first at [" + i + "]: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    static void assertSameRun(Reference ref, RunResult result, List<StepRecord> records) {
        assertBitIdentical(ref.student(), result.student(), "student");
        assertBitIdentical(ref.teacher(), result.teacher(), "teacher");
        assertEquals(ref.records().size(), records.size(), "one record per step");
        for (int i = 0; i < records.size(); i++) assertEquals(ref.records().get(i), records.get(i), "record of step " + i);
    }
}
