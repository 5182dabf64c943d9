package org.semivim.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** train --runtime actors (Pekko, 2 student trainers) ends in the same bits and metrics as --runtime reference; resume works on it. */
class ActorRuntimeTest {

    @Test
    void theActorRuntimeGivesTheReferenceBits(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        Path actors = tmp.resolve("actors"), reference = tmp.resolve("reference");
        String[] common = {"--progress", "none", "--eval-limit", "2", "--no-report", "--checkpoint-every", "3", "steps=7"};
        Object[] a = TrainCommandTest.run(concat(new String[] {"train", "--config", conf.toString(), "--run-dir", actors.toString(),
                "--runtime", "actors", "--trainers", "2"}, common));
        assertEquals(0, a[0], (String) a[1]);
        Object[] r = TrainCommandTest.run(concat(new String[] {"train", "--config", conf.toString(), "--run-dir", reference.toString()}, common));
        assertEquals(0, r[0], (String) r[1]);

        TrainConfig config = RunDirectory.open(actors).config();
        assertEquals(List.of(3L, 6L, 7L), new CheckpointStore(actors).steps());
        TinyRun.assertSameTrainState(TinyRun.lastCheckpoint(reference, config.hash()), TinyRun.lastCheckpoint(actors, config.hash()));
        assertEquals(TinyRun.records(reference), TinyRun.records(actors), "the same metrics, record by record");
        List<ObjectNode> ea = MetricsLog.read(reference.resolve("eval.jsonl")).records(), eb = MetricsLog.read(actors.resolve("eval.jsonl")).records();
        assertEquals(3, ea.size(), "evaluations after steps 5 (eval_every) and 7 (the last), and the best line");
        assertEquals(ea, eb, "the same periodic evaluations, line by line");
        assertArrayEquals(Files.readAllBytes(reference.resolve("best.safetensors")), Files.readAllBytes(actors.resolve("best.safetensors")));
        TinyRun.assertSameBits(TinyRun.lastCheckpoint(reference, config.hash()), TinyRun.lastCheckpoint(actors, config.hash()));
        assertEquals(RunEvaluation.read(reference.resolve("report")).student().toJson(),
                RunEvaluation.read(actors.resolve("report")).student().toJson(), "the same final evaluation");

        // a finished actor run: resume only evaluates again
        assertEquals(0, TrainCommandTest.run("resume", actors.toString(), "--runtime", "actors", "--progress", "none", "--eval-limit", "1",
                "--no-report")[0]);
        assertEquals(7, TinyRun.records(actors).size());
        assertEquals(eb, MetricsLog.read(actors.resolve("eval.jsonl")).records(), "the final evaluation written again, the same lines");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
