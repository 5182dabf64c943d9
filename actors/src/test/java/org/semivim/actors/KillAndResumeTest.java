package org.semivim.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child JVM runs a training run with checkpoints; the test SIGKILLs it (destroyForcibly) at a random
 * step, resumes the run with one call on the same run directory, and checks: final parameters
 * bit-identical to an undisturbed run, every step's record exactly once in the metrics log, equal to
 * the undisturbed run's.
 */
class KillAndResumeTest {
    private static final long STEPS = 60, CHECKPOINT_EVERY = 3;   // steps well past the kill range, so the child cannot finish first

    @Test
    void aRunKilledAtARandomStepResumesBitIdentical(@TempDir Path dir) throws Exception {
        killAndResume(dir, TinyRuns.configMap("lyapema_ssmixup", STEPS));
    }

    /** SSMAE: the Chronicle memory file of the killed run is left as it was; the resume rebuilds it from the checkpoint's state. */
    @Test
    void anSsmaeRunKilledAtARandomStepResumesBitIdentical(@TempDir Path dir) throws Exception {
        killAndResume(dir, TinyRuns.ssmaeConfigMap(STEPS, 1));
    }

    private static void killAndResume(Path dir, Map<String, Object> map) throws Exception {
        long seed = System.nanoTime();
        long killAt = 4 + new Random(seed).nextInt(20);   // a step in [4, 24), once a checkpoint is complete
        String why = "killed at step " + killAt + " (random seed " + seed + ")";
        TrainConfig config = TrainConfig.fromMap(map);
        Path configFile = dir.resolve("config.json");
        Files.writeString(configFile, new ObjectMapper().writeValueAsString(map));
        Path runDir = dir.resolve("run");

        Process child = startChild(configFile, runDir);
        long lastSeen = -1;
        boolean finished = false;
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                if (line.startsWith("step ")) {
                    lastSeen = Long.parseLong(line.substring(5).trim());
                    if (lastSeen >= killAt && hasCheckpoint(runDir, config)) {   // so the kill lands after a complete checkpoint
                        child.destroyForcibly();   // SIGKILL: no shutdown hook, no flush
                        break;
                    }
                }
                if (line.startsWith("done")) finished = true;
            }
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child ended");
        assertFalse(finished, "the child must not finish before the kill: " + lines);
        assertTrue(lastSeen >= killAt, "child reached the kill step; output: " + lines + " exit " + child.exitValue());
        assertNotEquals(0, child.exitValue(), why);

        // resume: one call on the same run directory
        TrainingData data = TrainingData.load(config.data());
        List<StepRecord> resumedRecords = new CopyOnWriteArrayList<>();
        RunResult result = RunOrchestrator.run(config, data,
                RunOptions.defaults().withRunDirectory(runDir, CHECKPOINT_EVERY).withListener(resumedRecords::add), TestPekko.config());

        RunAssertions.Reference ref = config.method() == org.semivim.training.config.Method.SSMAE
                ? RunAssertions.ssmaeReference(config, data, dir.resolve("reference"))
                : RunAssertions.reference(config, data);
        assertEquals(STEPS, result.steps());
        RunAssertions.assertBitIdentical(ref.student(), result.student(), "student, " + why);
        RunAssertions.assertBitIdentical(ref.teacher(), result.teacher(), "teacher, " + why);

        long resumedFrom = resumedRecords.get(0).step();
        // (the child may have run a little past the last line the test read before the kill landed)
        assertTrue(resumedFrom > 0 && resumedFrom < STEPS && resumedFrom % CHECKPOINT_EVERY == 0,
                "resumed from a checkpoint of the killed run: step " + resumedFrom + ", " + why);
        for (int i = 0; i < resumedRecords.size(); i++) {
            assertEquals(ref.records().get((int) resumedFrom + i), resumedRecords.get(i), "resumed record " + (resumedFrom + i));
        }

        List<ObjectNode> log = MetricsLog.read(runDir.resolve(RunOptions.METRICS_FILE)).records();
        assertEquals(STEPS, log.size(), "every step exactly once in the metrics log, " + why);
        ObjectMapper json = new ObjectMapper();
        for (int t = 0; t < STEPS; t++) {
            assertEquals(t, log.get(t).get("step").asLong(), "log line " + t);
            Map<String, Object> expected = new java.util.LinkedHashMap<>(ref.records().get(t).toMap());
            assertEquals(json.valueToTree(expected).toString(), log.get(t).toString(), "record of step " + t + ", " + why);
        }
    }

    private static boolean hasCheckpoint(Path runDir, TrainConfig config) {
        try {
            return new CheckpointStore(runDir).latest(config.hash()).isPresent();
        } catch (Exception e) {   // the first one is still being written
            return false;
        }
    }

    private static Process startChild(Path configFile, Path runDir) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) cmd.add(arg);
        }
        cmd.add("-Dpekko.actor.serialize-messages=on");   // the child's messages are really serialized too
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LocalRun.class.getName());
        cmd.add(configFile.toString());
        cmd.add(runDir.toString());
        cmd.add(Long.toString(CHECKPOINT_EVERY));
        cmd.add("2");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return pb.start();
    }
}
