package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** train with method ssmae goes to the SSMAE trainer: run, evaluate the encoder's classifier, resume bit for bit. */
class SsmaeTrainTest {

    @Test
    void ssmaeTrainsEvaluatesAndResumesBitForBit(@TempDir Path tmp) throws IOException {
        for (String name : List.of("tiny-run.conf", "tiny-ssmae.conf")) {
            try (InputStream in = SsmaeTrainTest.class.getResourceAsStream("/" + name)) {
                Files.write(tmp.resolve(name), in.readAllBytes());
            }
        }
        Path runDir = tmp.resolve("ssmae");
        Object[] r = TrainCommandTest.run("train", "--config", tmp.resolve("tiny-ssmae.conf").toString(), "--run-dir", runDir.toString(),
                "--checkpoint-every", "3", "--progress", "none", "--eval-limit", "2", "--no-report", "steps=6");
        assertEquals(0, r[0], (String) r[1]);
        TrainConfig config = RunDirectory.open(runDir).config();
        assertEquals(Method.SSMAE, config.method());
        assertEquals(List.of(3L, 6L), new CheckpointStore(runDir).steps());
        RunEvaluation eval = RunEvaluation.read(runDir.resolve("report"));
        assertEquals(8, eval.images());
        assertNull(eval.teacher(), "SSMAE has no teacher");
        assertEquals(6, TinyRun.records(runDir).size());

        Checkpoint whole = TinyRun.lastCheckpoint(runDir, config.hash());
        deleteTree(new CheckpointStore(runDir).directory(6));
        Object[] resumed = TrainCommandTest.run("resume", runDir.toString(), "--checkpoint-every", "3", "--progress", "none", "--eval-limit", "2",
                "--no-report");
        assertEquals(0, resumed[0], (String) resumed[1]);
        TinyRun.assertSameBits(whole, TinyRun.lastCheckpoint(runDir, config.hash()));
        assertEquals(6, TinyRun.records(runDir).size());

        // the actor runtime runs SSMAE to the same train state and evaluation
        Path actors = tmp.resolve("actors");
        Object[] a = TrainCommandTest.run("train", "--config", tmp.resolve("tiny-ssmae.conf").toString(), "--run-dir", actors.toString(),
                "--runtime", "actors", "--trainers", "2", "--checkpoint-every", "3", "--progress", "none", "--eval-limit", "2", "--no-report", "steps=6");
        assertEquals(0, a[0], (String) a[1]);
        TinyRun.assertSameTrainState(whole, TinyRun.lastCheckpoint(actors, config.hash()));
        assertEquals(eval.student().toJson(), RunEvaluation.read(actors.resolve("report")).student().toJson());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
