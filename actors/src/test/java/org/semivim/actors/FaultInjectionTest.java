package org.semivim.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.actors.FaultPlan.Role;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An augmenter, TeacherInference, a trainer or the supervisor throws at a chosen step; supervision
 * restarts it (the supervisor from the last checkpoint), the step completes, and the run ends with
 * the undisturbed run's parameters and records, bit for bit.
 */
class FaultInjectionTest {
    private static ActorTestKit kit;
    private static TrainConfig fixmatch, lyapema, ssmae;
    private static TrainingData data;
    private static RunAssertions.Reference fixmatchRef, lyapemaRef, ssmaeRef;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("faults", TestPekko.config());
        fixmatch = TinyRuns.config("fixmatch", 6);
        lyapema = TinyRuns.config("lyapema_ssmixup", 6);
        data = TrainingData.load(fixmatch.data());
        fixmatchRef = RunAssertions.reference(fixmatch, data);
        lyapemaRef = RunAssertions.reference(lyapema, data);
        ssmae = TrainConfig.fromMap(TinyRuns.ssmaeConfigMap(9, 1));   // the gate opens at step 4 (epoch 1)
        try {
            java.nio.file.Path work = java.nio.file.Files.createTempDirectory("ssmae-reference");
            ssmaeRef = RunAssertions.ssmaeReference(ssmae, data, work);
            try (var files = java.nio.file.Files.walk(work)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue((long) ssmaeRef.records().get(5).methodFields().get("memory_size") > 0, "SSMAE's memory is in use from step 4");
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /** Runs with the faults; returns how many step views were rendered (re-renders after faults and resets included). */
    private static long runWith(TrainConfig config, RunAssertions.Reference ref, FaultPlan faults, RunOptions options, List<String> expectFired)
            throws Exception {
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        FlowGauges gauges = new FlowGauges();
        RunResult result = RunAssertions.actors(kit, config, data, options.withHooks(faults).withGauges(gauges).withListener(records::add));
        assertEquals(expectFired, faults.fired(), "the faults happened");
        RunAssertions.assertSameRun(ref, result, records);
        assertTrue(gauges.rendered() >= config.steps());
        return gauges.rendered();
    }

    private static RunOptions options() {
        return RunOptions.defaults().withAugmenters(2).withTrainers(2).withLookahead(2);
    }

    @Test
    void anAugmenterThrowsAndItsStepIsRenderedAgain() throws Exception {
        runWith(fixmatch, fixmatchRef, new FaultPlan().failOnce(Role.AUGMENTER, 3), options(), List.of("AUGMENTER@3"));
    }

    @Test
    void anAugmenterStopsAndThePoolReplacesIt() throws Exception {
        runWith(fixmatch, fixmatchRef, new FaultPlan().stopAugmenterOnce(2), options().withAugmenters(1), List.of("AUGMENTER stopped@2"));
    }

    @Test
    void theDataLoaderThrowsAndTheWindowIsRebuilt() throws Exception {
        runWith(fixmatch, fixmatchRef, new FaultPlan().failOnce(Role.DATA_LOADER, 3), options().withAugmenters(3), List.of("DATA_LOADER@3"));
    }

    @Test
    void teacherInferenceThrowsAndTheStepIsPseudoLabelledAgain() throws Exception {
        long rendered = runWith(lyapema, lyapemaRef, new FaultPlan().failOnce(Role.TEACHER_INFERENCE, 2), options(), List.of("TEACHER_INFERENCE@2"));
        assertTrue(rendered > lyapema.steps(), "the restarted TeacherInference had the lost views rendered again: " + rendered);
    }

    @Test
    void aTrainerThrowsMidStepAndItsShardsAreComputedAgain() throws Exception {
        // trainer 0 owns shards 0 and 2: it has sent shard 0's gradient when it fails before shard 2
        runWith(lyapema, lyapemaRef, new FaultPlan().failOnce(Role.STUDENT_TRAINER, 3, 2), options(), List.of("STUDENT_TRAINER@3"));
    }

    @Test
    void theSupervisorCrashesAndRestartsFromTheLastCheckpoint(@TempDir Path dir) throws Exception {
        FaultPlan faults = new FaultPlan().failOnce(Role.SUPERVISOR, 5);
        long rendered = runWith(lyapema, lyapemaRef, faults, options().withRunDirectory(dir, 2), List.of("SUPERVISOR@5"));
        assertTrue(rendered > lyapema.steps(), "the restarted supervisor reset the pipeline: " + rendered);
        // the checkpoint of step 4 was handed to the Checkpointer before the crash, and a load waits for pending
        // writes: updates 0..5 (5 fails), then 4 and 5 again = 8 (from step 2 it would be 10, from scratch 12)
        assertEquals(8, faults.commitAttempts(), "went back to the last checkpoint");
        try (var ckpts = java.nio.file.Files.list(dir.resolve("checkpoints"))) {
            assertTrue(ckpts.findAny().isPresent(), "checkpoints on disk");
        }
        var log = MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records();
        assertEquals(6, log.size(), "each step once in the metrics log");
        for (int i = 0; i < log.size(); i++) assertEquals(i, log.get(i).get("step").asLong());
    }

    @Test
    void theSupervisorCrashesWithCheckpointsInMemory() throws Exception {
        runWith(fixmatch, fixmatchRef, new FaultPlan().failOnce(Role.SUPERVISOR, 3), options().withCheckpointEvery(2), List.of("SUPERVISOR@3"));
    }

    /**
     * SSMAE with the memory in use: a trainer fails mid-step (its shards are computed again from the same terms),
     * TeacherInference fails (the supervisor sends it the whole memory and the gate again, with the parameters),
     * an augmenter and the DataLoader fail.
     */
    @Test
    void ssmaeWorkerFaultsChangeNothing() throws Exception {
        FaultPlan faults = new FaultPlan().failOnce(Role.STUDENT_TRAINER, 5, 2).failOnce(Role.TEACHER_INFERENCE, 6).failOnce(Role.AUGMENTER, 7)
                .failOnce(Role.DATA_LOADER, 8);
        runWith(ssmae, ssmaeRef, faults, options().withAugmenters(3),
                List.of("STUDENT_TRAINER@5", "TEACHER_INFERENCE@6", "AUGMENTER@7", "DATA_LOADER@8"));
    }

    /** SSMAE's supervisor crashes at step 7: it goes back to the disk checkpoint of step 6, memory and gate included. */
    @Test
    void ssmaeSupervisorCrashGoesBackToTheCheckpointWithItsMemory(@TempDir Path dir) throws Exception {
        FaultPlan faults = new FaultPlan().failOnce(Role.SUPERVISOR, 7);
        runWith(ssmae, ssmaeRef, faults, options().withRunDirectory(dir, 3), List.of("SUPERVISOR@7"));
        assertEquals(11, faults.commitAttempts(), "updates 0..7 (7 fails), then 6, 7, 8 again from the checkpoint of step 6");
        var log = MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records();
        assertEquals(9, log.size(), "each step once in the metrics log");
    }

    /** SSMAE's supervisor crashes with in-memory checkpoints (its memory file in a temporary directory). */
    @Test
    void ssmaeSupervisorCrashWithCheckpointsInMemory() throws Exception {
        runWith(ssmae, ssmaeRef, new FaultPlan().failOnce(Role.SUPERVISOR, 5), options().withCheckpointEvery(2), List.of("SUPERVISOR@5"));
    }

    @Test
    void everyKindOfFaultInOneRun() throws Exception {
        FaultPlan faults = new FaultPlan().failOnce(Role.AUGMENTER, 1).failOnce(Role.TEACHER_INFERENCE, 2).failOnce(Role.STUDENT_TRAINER, 3, 1)
                .failOnce(Role.SUPERVISOR, 4).failOnce(Role.DATA_LOADER, 5).failOnce(Role.AUGMENTER, 5);
        runWith(lyapema, lyapemaRef, faults, options().withAugmenters(3).withCheckpointEvery(1),
                List.of("AUGMENTER@1", "TEACHER_INFERENCE@2", "STUDENT_TRAINER@3", "SUPERVISOR@4", "DATA_LOADER@5", "AUGMENTER@5"));
    }
}
