package org.semivim.actors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link RunHandle#requestStop()}: the run ends after the step in progress with a checkpoint of it
 * and {@code stopped}; the same call on the run directory resumes it, and it ends in the reference
 * trainer's bits with every step once in the metrics log.
 */
class StopAndResumeTest {
    private static final long STEPS = 12;

    @Test
    void aStoppedRunCheckpointsAndResumesToTheSameBits(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", STEPS);
        TrainingData data = TrainingData.load(config.data());
        CountDownLatch third = new CountDownLatch(3);
        RunOptions options = RunOptions.defaults().withRunDirectory(dir, 100).withTrainers(2);
        RunResult stopped;
        try (RunHandle handle = RunOrchestrator.start(config, data, options.withListener(r -> third.countDown()), TestPekko.config())) {
            assertTrue(third.await(120, TimeUnit.SECONDS), "three steps committed");
            handle.requestStop();
            handle.requestStop();   // a second request changes nothing
            stopped = handle.result();
        }
        assertTrue(stopped.stopped(), "the result says stopped");
        long at = stopped.steps();
        assertTrue(at >= 3 && at < STEPS, "stopped in the middle, at " + at);
        assertEquals(List.of(at), new CheckpointStore(dir).steps(), "one checkpoint, of the step it stopped at");
        assertEquals(at, MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records().size(), "one record per committed step");

        RunResult resumed = RunOrchestrator.run(config, data, options, TestPekko.config());
        assertFalse(resumed.stopped());
        assertEquals(STEPS, resumed.steps());
        RunAssertions.Reference ref = RunAssertions.reference(config, data);
        RunAssertions.assertBitIdentical(ref.student(), resumed.student(), "student");
        RunAssertions.assertBitIdentical(ref.teacher(), resumed.teacher(), "teacher");
        List<ObjectNode> log = MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records();
        assertEquals(STEPS, log.size(), "every step once in the metrics log");
        for (int t = 0; t < STEPS; t++) assertEquals(t, log.get(t).get("step").asLong(), "log line " + t);
    }

    @Test
    void aStopBeforeTheFirstCommitCheckpointsStepZero(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("fixmatch", 4);
        TrainingData data = TrainingData.load(config.data());
        RunResult stopped;
        try (RunHandle handle = RunOrchestrator.start(config, data, RunOptions.defaults().withRunDirectory(dir, 100),
                TestPekko.config())) {
            handle.requestStop();
            stopped = handle.result();
        }
        assertTrue(stopped.stopped());
        assertTrue(stopped.steps() <= 1, "stopped at the first commit at the latest: " + stopped.steps());
        assertEquals(List.of(stopped.steps()), new CheckpointStore(dir).steps());
        RunResult resumed = RunOrchestrator.run(config, data, RunOptions.defaults().withRunDirectory(dir, 100), TestPekko.config());
        RunAssertions.assertBitIdentical(RunAssertions.reference(config, data).student(), resumed.student(), "student");
    }
}
