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

/** pretrain arm: run directory, encoder, and resume after a lost final checkpoint ends in the same encoder bytes. */
class PretrainCommandTest {

    private static Path conf(Path dir) throws IOException {
        Path file = dir.resolve("tiny-arm.conf");
        try (InputStream in = PretrainCommandTest.class.getResourceAsStream("/tiny-arm.conf")) {
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
        Object[] again = TrainCommandTest.run("pretrain", "arm", "--config", conf(tmp).toString(), "--run-dir", runDir.toString());
        assertEquals(2, again[0]);
        assertTrue(((String) again[1]).contains("already holds a run"), (String) again[1]);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
