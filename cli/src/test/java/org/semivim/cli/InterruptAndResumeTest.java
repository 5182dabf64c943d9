package org.semivim.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.StopRequest;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Ctrl-C for real: a child JVM runs {@code semivim train}, gets SIGINT in the middle, writes a
 * checkpoint and exits with 130; {@code semivim resume} finishes the run, and its end state and
 * metrics log are bit-identical to an uninterrupted run's. Once on the reference runtime, once on
 * the actor runtime (its supervisor commits the step in progress and the Checkpointer writes it).
 */
class InterruptAndResumeTest {
    private static final int STEPS = 300;

    @Test
    void sigintWritesACheckpointAndResumeEndsInTheSameBits(@TempDir Path tmp) throws Exception {
        interruptResumeAndRunWhole(tmp, new String[0]);
    }

    @Test
    void sigintOnTheActorRuntimeWritesACheckpointAndResumeEndsInTheSameBits(@TempDir Path tmp) throws Exception {
        interruptResumeAndRunWhole(tmp, new String[] {"--runtime", "actors", "--trainers", "2"});
    }

    /** Train (SIGINT in the middle), resume, and train uninterrupted, all with {@code runtime}; compares checkpoints, metrics, evaluations, best. */
    private static void interruptResumeAndRunWhole(Path tmp, String[] runtime) throws Exception {
        Path conf = TinyRun.config(tmp);
        Path interrupted = tmp.resolve("interrupted");
        Path whole = tmp.resolve("whole");
        String[] common = concat(runtime, new String[] {"--progress", "lines", "--no-report", "--eval-limit", "1", "--checkpoint-every", "100000",
                "steps=" + STEPS});

        Process child = childJvm(tmp, concat(new String[] {"train", "--config", conf.toString(), "--run-dir", interrupted.toString()}, common));
        Path metrics = interrupted.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(metrics) < 5) {
            assertTrue(child.isAlive(), "child ended before it was interrupted: " + output(tmp));
            assertTrue(System.nanoTime() < deadline, "child made no progress: " + output(tmp));
            Thread.sleep(20);
        }
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not exit after SIGINT");
        String out = output(tmp);
        assertEquals(StopRequest.EXIT_CODE, child.exitValue(), out);
        assertTrue(out.contains("stopped by SIGINT") && out.contains("semivim resume"), out);

        TrainConfig config = RunDirectory.open(interrupted).config();
        List<Long> steps = new CheckpointStore(interrupted).steps();
        assertEquals(1, steps.size(), "one checkpoint, written on SIGINT: " + steps);
        long stoppedAt = steps.get(0);
        assertTrue(stoppedAt >= 5 && stoppedAt < STEPS, "stopped in the middle, at " + stoppedAt);
        assertEquals(stoppedAt, TinyRun.records(interrupted).size(), "one record per step run");
        assertFalse(Files.exists(interrupted.resolve("report/eval.json")), "no evaluation of an unfinished run");

        assertEquals(0, TrainCommandTest.run(concat(new String[] {"resume", interrupted.toString()}, dropOverride(common)))[0]);
        assertEquals(0, TrainCommandTest.run(concat(new String[] {"train", "--config", conf.toString(), "--run-dir", whole.toString()}, common))[0]);

        Checkpoint a = TinyRun.lastCheckpoint(whole, config.hash());
        Checkpoint b = TinyRun.lastCheckpoint(interrupted, config.hash());
        assertEquals(STEPS, a.step());
        TinyRun.assertSameBits(a, b);
        List<ObjectNode> ra = TinyRun.records(whole), rb = TinyRun.records(interrupted);
        assertEquals(STEPS, ra.size());
        assertEquals(ra, rb, "the metrics logs agree record by record");
        List<ObjectNode> ea = MetricsLog.read(whole.resolve("eval.jsonl")).records(), eb = MetricsLog.read(interrupted.resolve("eval.jsonl")).records();
        assertEquals(STEPS / 5 + 1, ea.size(), "an evaluation every eval_every = 5 steps and the best line");
        assertEquals(ea, eb, "the evaluation logs agree record by record");
        assertArrayEquals(Files.readAllBytes(whole.resolve("best.safetensors")), Files.readAllBytes(interrupted.resolve("best.safetensors")));
    }

    private static Process childJvm(Path tmp, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-agentlib") || a.startsWith("-javaagent") || a.startsWith("-Xmx")) continue;
            cmd.add(a);
        }
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return pb.start();
    }

    private static String output(Path tmp) throws IOException {
        Path log = tmp.resolve("child.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) return 0;
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** resume takes no overrides: the common options without "steps=…". */
    private static String[] dropOverride(String[] common) {
        return java.util.Arrays.stream(common).filter(s -> !s.contains("=")).toArray(String[]::new);
    }
}
