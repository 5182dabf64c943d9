package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.config.DataConfig;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DemoCommandTest {

    @Test
    void theDemoConfigIsLyapEmaSsMixupOnFashionMnistA1WithTheSmallVim() throws Exception {
        TrainConfig c = HoconTrainConfig.parse(DemoCommand.demoConfig(), "demo.conf", List.of()).config();
        assertEquals(Method.LYAPEMA_SSMIXUP, c.method());
        assertEquals(DataConfig.Source.FASHION_MNIST, c.data().source());
        assertEquals("A1", c.data().protocol().name());
        assertEquals(org.semivim.engine.models.VimConfig.preset("vim-fmnist-small"),
                ((org.semivim.engine.models.ModelSpec.Vim) c.model()).config());
    }

    /** Without Fashion-MNIST the demo says so, says how to get it, and trains on generated images (same protocol). */
    @Test
    void withoutFashionMnistTheDemoFallsBackToGeneratedImagesAndSaysSo(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("demo");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Main.run("demo", "--data-dir", tmp.resolve("no-fashion-mnist").toString(), "--run-dir", runDir.toString(),
                    "--steps", "1", "--eval-limit", "1", "--periodic-test", "end", "--progress", "none", "--no-report");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("Fashion-MNIST is not in " + tmp.resolve("no-fashion-mnist")), out);
        assertTrue(out.contains("apt-get install dataset-fashion-mnist"), out);
        assertTrue(out.contains("Falling back to the GENERATED data set"), out);
        assertTrue(out.contains("(runtime actors)"), "the demo runs on the actor runtime: " + out);
        TrainConfig c = RunDirectory.open(runDir).config();
        assertEquals(DataConfig.Source.GENERATED, c.data().source());
        assertEquals("A1", c.data().protocol().name());
        assertEquals(1, c.steps());
        RunEvaluation eval = RunEvaluation.read(runDir.resolve("report"));
        assertEquals(10, eval.images(), "one test image per class");
        assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/step-000000001/student.safetensors")));
    }
}
