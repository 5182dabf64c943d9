package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.checkpoint.CheckpointStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** pretrain arm / mae: run directory, encoder, and resume after a lost final checkpoint ends in the same encoder bytes. */
class PretrainCommandTest {

    private static Path conf(Path dir) throws IOException {
        return conf(dir, "tiny-arm.conf");
    }

    private static Path conf(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = PretrainCommandTest.class.getResourceAsStream("/" + name)) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    @Test
    void armPretrainingWritesItsRunAndResumesToTheSameEncoder(@TempDir Path tmp) throws IOException {
        Path runDir = tmp.resolve("arm");
        Object[] r = TrainCommandTest.run("pretrain", "arm", "--config", conf(tmp).toString(), "--run-dir", runDir.toString(),
                "--checkpoint-every", "3", "--progress", "none");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.isRegularFile(runDir.resolve("pretrain.json")));
        assertTrue(Files.isRegularFile(runDir.resolve("config.conf")));
        assertEquals(List.of(3L, 6L), new CheckpointStore(runDir).steps());
        assertEquals(6, TinyRun.records(runDir).size());
        assertEquals("arm", TinyRun.records(runDir).get(0).get("stage").asText());
        byte[] encoder = Files.readAllBytes(runDir.resolve("encoder.safetensors"));

        // lose the end of the run: the last checkpoint and the encoder; resume redoes steps 3..5
        deleteTree(new CheckpointStore(runDir).directory(6));
        Files.delete(runDir.resolve("encoder.safetensors"));
        Object[] resumed = TrainCommandTest.run("resume", runDir.toString(), "--progress", "none");
        assertEquals(0, resumed[0], (String) resumed[1]);
        assertArrayEquals(encoder, Files.readAllBytes(runDir.resolve("encoder.safetensors")), "same encoder, bit for bit");
        assertEquals(6, TinyRun.records(runDir).size(), "no step twice in the log");

        Object[] bad = TrainCommandTest.run("pretrain", "arm", "--config", conf(tmp).toString(), "--run-dir", tmp.resolve("bad").toString(),
                "decoder_dm=3");
        assertEquals(2, bad[0]);
        assertTrue(((String) bad[1]).contains("'decoder_dm' is unknown") && ((String) bad[1]).contains("override 'decoder_dm=3'"), (String) bad[1]);
        Object[] report = TrainCommandTest.run("report", runDir.toString());
        assertEquals(2, report[0]);
        assertTrue(((String) report[1]).contains("is a pre-training run"), (String) report[1]);
        Object[] again = TrainCommandTest.run("pretrain", "arm", "--config", conf(tmp).toString(), "--run-dir", runDir.toString());
        assertEquals(2, again[0]);
        assertTrue(((String) again[1]).contains("already holds a run"), (String) again[1]);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void maePretrainingResumesToTheSameEncoderAndRefusesAnEditedConfig(@TempDir Path tmp) throws IOException {
        Path runDir = tmp.resolve("mae");
        Object[] r = TrainCommandTest.run("pretrain", "mae", "--config", conf(tmp, "tiny-mae.conf").toString(), "--run-dir", runDir.toString(),
                "--checkpoint-every", "4", "--progress", "none");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.readString(runDir.resolve("pretrain.json")).contains("\"kind\" : \"mae\""));
        assertEquals(List.of(4L, 6L), new CheckpointStore(runDir).steps());
        byte[] encoder = Files.readAllBytes(runDir.resolve("encoder.safetensors"));
        deleteTree(new CheckpointStore(runDir).directory(6));
        Files.delete(runDir.resolve("encoder.safetensors"));
        assertEquals(0, TrainCommandTest.run("resume", runDir.toString(), "--progress", "none")[0]);
        assertArrayEquals(encoder, Files.readAllBytes(runDir.resolve("encoder.safetensors")), "same encoder, bit for bit");
        assertEquals(6, TinyRun.records(runDir).size());

        Path conf = runDir.resolve("config.conf");
        Files.writeString(conf, Files.readString(conf) + "\nbatch = 6\n");
        Object[] edited = TrainCommandTest.run("resume", runDir.toString(), "--progress", "none");
        assertEquals(2, edited[0]);
        assertTrue(((String) edited[1]).contains("batch: 12 -> 6"), (String) edited[1]);

        Object[] vim = TrainCommandTest.run("pretrain", "mae", "--config", conf(tmp, "tiny-mae.conf").toString(), "--run-dir",
                tmp.resolve("vim").toString(), "model=vim-fmnist-tiny");
        assertEquals(2, vim[0]);
        assertTrue(((String) vim[1]).contains("MAE pre-training needs a ViT"), (String) vim[1]);
    }
}
