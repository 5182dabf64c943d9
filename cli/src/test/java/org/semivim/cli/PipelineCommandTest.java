package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** pipeline: the three stages in chunks that end on checkpoints, the SSL stage's evaluation and report, resume bit for bit. */
class PipelineCommandTest {

    @Test
    void thePipelineRunsItsStagesEvaluatesAndResumesBitForBit(@TempDir Path tmp) throws IOException {
        Path conf = tmp.resolve("tiny-pipeline.conf");
        try (InputStream in = PipelineCommandTest.class.getResourceAsStream("/tiny-pipeline.conf")) {
            Files.write(conf, in.readAllBytes());
        }
        Path runDir = tmp.resolve("pipe");
        Object[] r = TrainCommandTest.run("pipeline", "--config", conf.toString(), "--run-dir", runDir.toString(), "--checkpoint-every", "2",
                "--progress", "none", "--eval-limit", "2");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.isRegularFile(runDir.resolve("pipeline.json")));
        assertTrue(Files.isRegularFile(runDir.resolve("arm/encoder.safetensors")));
        assertEquals(List.of(2L, 3L), new CheckpointStore(runDir.resolve("finetune")).steps(), "every 2 steps and at the stage's end");
        assertEquals(List.of(2L, 4L, 5L), new CheckpointStore(runDir.resolve("ssl")).steps());
        Path ssl = runDir.resolve("ssl");
        TrainConfig sslConfig = RunDirectory.open(ssl).config();
        assertEquals(5, sslConfig.steps());
        RunEvaluation eval = RunEvaluation.read(ssl.resolve("report"));
        assertEquals(5, eval.step());
        assertNotNull(eval.teacher(), "the SSL stage (LyapEMA+SSMixup) has a teacher");
        assertTrue(Files.isRegularFile(ssl.resolve("report/index.html")));

        Checkpoint whole = TinyRun.lastCheckpoint(ssl, sslConfig.hash());
        deleteTree(new CheckpointStore(ssl).directory(5));
        deleteTree(new CheckpointStore(ssl).directory(4));
        assertEquals(0, TrainCommandTest.run("resume", runDir.toString(), "--checkpoint-every", "2", "--progress", "none", "--eval-limit", "2",
                "--no-report")[0]);
        TinyRun.assertSameBits(whole, TinyRun.lastCheckpoint(ssl, sslConfig.hash()));
        assertEquals(5, TinyRun.records(ssl).size(), "no SSL step twice in the log");

        Object[] evalRoot = TrainCommandTest.run("eval", runDir.toString());
        assertEquals(2, evalRoot[0]);
        assertTrue(((String) evalRoot[1]).contains("is a pipeline run"), (String) evalRoot[1]);
        assertEquals(0, TrainCommandTest.run("eval", ssl.toString(), "--progress", "none", "--eval-limit", "1", "--no-report")[0]);

        Object[] bad = TrainCommandTest.run("pipeline", "--config", conf.toString(), "--run-dir", tmp.resolve("bad").toString(), "ssl.lyapema.s_mn=1");
        assertEquals(2, bad[0]);
        assertTrue(((String) bad[1]).contains("'ssl.lyapema.s_mn' is unknown") && ((String) bad[1]).contains("override 'ssl.lyapema.s_mn=1'"),
                (String) bad[1]);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
