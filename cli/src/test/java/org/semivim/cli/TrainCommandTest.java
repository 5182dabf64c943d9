package org.semivim.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** train / resume / eval / report on the tiny run, in this JVM. */
class TrainCommandTest {

    /** Runs the command line; returns {exit code, stderr}. */
    static Object[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Object[] {code, err.toString()};
    }

    @Test
    void trainWritesTheRunDirectoryAndResumeOfAFinishedRunOnlyReports(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        Path runDir = tmp.resolve("run");
        Object[] r = run("train", "--config", conf.toString(), "--run-dir", runDir.toString(), "--checkpoint-every", "5",
                "--progress", "none", "--eval-limit", "5", "steps=11", "lyapema.s_min=0.125");
        assertEquals(0, r[0], (String) r[1]);

        TrainConfig config = RunDirectory.open(runDir).config();
        assertEquals(11, config.steps());
        assertEquals(0.125, config.lyapema().sMin());
        assertTrue(Files.readString(runDir.resolve("config.conf")).contains("0.125"), "config.conf has the override");
        List<ObjectNode> records = TinyRun.records(runDir);
        assertEquals(11, records.size());
        for (int i = 0; i < 11; i++) assertEquals(i, records.get(i).get("step").asLong());
        assertEquals(List.of(5L, 10L, 11L), new CheckpointStore(runDir).steps(), "every 5 steps and at the end");
        RunEvaluation eval = RunEvaluation.read(runDir.resolve("report"));
        assertNotNull(eval);
        assertEquals(11, eval.step());
        assertEquals(20, eval.images(), "5 per class x 4 classes");
        assertNotNull(eval.teacher(), "LyapEMA has a teacher");
        assertTrue(Files.isRegularFile(runDir.resolve("report/index.html")));
        assertTrue(Files.isRegularFile(runDir.resolve("report/losses.png")));
        // periodic evaluation (eval_every 5): after steps 5, 10 and 11, then the best line
        List<ObjectNode> evals = org.semivim.training.metrics.MetricsLog.read(runDir.resolve("eval.jsonl")).records();
        assertEquals(List.of(5L, 10L, 11L, 11L), evals.stream().map(e -> e.get("step").asLong()).toList());
        assertEquals("best", evals.get(3).get("type").asText());
        assertTrue(evals.get(0).get("test").has("teacher"), "the test set at every evaluation by default");
        assertTrue(Files.isRegularFile(runDir.resolve("best.safetensors")));
        assertTrue(Files.readString(runDir.resolve("report/index.html")).contains("test_accuracy.png"));

        // A finished run: resume trains nothing more, evaluates and reports again.
        Files.delete(runDir.resolve("report/index.html"));
        Object[] again = run("resume", runDir.toString(), "--progress", "none", "--eval-limit", "5");
        assertEquals(0, again[0], (String) again[1]);
        assertEquals(11, TinyRun.records(runDir).size());
        assertEquals(evals, org.semivim.training.metrics.MetricsLog.read(runDir.resolve("eval.jsonl")).records(),
                "resuming a finished run evaluates the end again, without a line twice");
        assertTrue(Files.isRegularFile(runDir.resolve("report/index.html")));

        // train into an existing run is refused
        Object[] twice = run("train", "--config", conf.toString(), "--run-dir", runDir.toString(), "--progress", "none");
        assertEquals(2, twice[0]);
        assertTrue(((String) twice[1]).contains("already holds a run") && ((String) twice[1]).contains("semivim resume"), (String) twice[1]);
    }

    @Test
    void resumeRefusesAChangedConfigNamingTheKeys(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        Path runDir = tmp.resolve("run");
        assertEquals(0, run("train", "--config", conf.toString(), "--run-dir", runDir.toString(), "--progress", "none", "--no-report",
                "--eval-limit", "1", "steps=3")[0]);
        Path runConf = runDir.resolve("config.conf");
        Files.writeString(runConf, Files.readString(runConf) + "\ntau = 0.9\nsteps = 5\n");
        Object[] r = run("resume", runDir.toString(), "--progress", "none");
        assertEquals(2, r[0]);
        String err = (String) r[1];
        assertTrue(err.contains("was changed after the run started"), err);
        assertTrue(err.contains("tau: 0.272 -> 0.9") && err.contains("steps: 3 -> 5"), err);
        assertEquals(3, TinyRun.records(runDir).size(), "nothing was run");
    }

    @Test
    void badConfigValuesExitWithOneLineNamingTheKey(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        Object[] r = run("train", "--config", conf.toString(), "--run-dir", tmp.resolve("x").toString(), "tau=2");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).startsWith("semivim train: config key 'tau' must be a number in [0, 1], got 2.0 (set at override 'tau=2')"),
                (String) r[1]);
        assertFalse(Files.exists(tmp.resolve("x")), "no run directory for a config that does not validate");
        Object[] unknownRuntime = run("train", "--config", conf.toString(), "--runtime", "cluster");
        assertEquals(2, unknownRuntime[0]);
        assertTrue(((String) unknownRuntime[1]).contains("reference"), (String) unknownRuntime[1]);
    }

    @Test
    void evalOfACheckpointDirectoryAndTheMissingDataMessage(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        Path runDir = tmp.resolve("run");
        assertEquals(0, run("train", "--config", conf.toString(), "--run-dir", runDir.toString(), "--progress", "none", "--no-report",
                "--eval-limit", "1", "--checkpoint-every", "2", "steps=4")[0]);
        Object[] r = run("eval", runDir.resolve("checkpoints/step-000000002").toString(), "--progress", "none", "--no-report");
        assertEquals(0, r[0], (String) r[1]);
        RunEvaluation eval = RunEvaluation.read(runDir.resolve("report"));
        assertEquals(2, eval.step());
        assertEquals(40, eval.images(), "the whole test set: 10 per class");

        Object[] notARun = run("eval", tmp.toString());
        assertEquals(2, notARun[0]);
        assertTrue(((String) notARun[1]).contains("neither a run directory"), (String) notARun[1]);

        Object[] missing = run("train", "--config", conf.toString(), "--run-dir", tmp.resolve("fm").toString(), "--progress", "none",
                "data={source=fashion-mnist, dir=\"" + tmp.resolve("nowhere") + "\", generated=null, protocol=A1}",
                "model.img_size=28", "model.num_classes=10", "model.patch_size=7");
        assertEquals(2, missing[0]);
        assertTrue(((String) missing[1]).contains("apt-get install dataset-fashion-mnist"), (String) missing[1]);
        assertFalse(Files.exists(tmp.resolve("fm")), "no run directory without its data");
    }
}
