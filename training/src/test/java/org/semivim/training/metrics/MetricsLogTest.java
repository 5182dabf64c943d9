package org.semivim.training.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path dir;

    static Map<String, Object> fields(long step) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("loss", 1.0 / step);
        f.put("lr", 0.03f);
        f.put("maskRate", step % 3 == 0 ? Double.NaN : 0.5);
        f.put("lyap", Map.of("violated", step % 2 == 0));
        return f;
    }

    static List<Long> steps(MetricsLog.Contents c) {
        return c.records().stream().map(r -> r.get("step").longValue()).toList();
    }

    @Test
    void appendAndReadRoundTrip() throws IOException {
        Path file = dir.resolve("run/metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(file)) {
            for (long s = 1; s <= 4; s++) log.append(s, fields(s));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(4, lines.size());
        assertEquals("{\"step\":1,\"loss\":1.0,\"lr\":0.03,\"maskRate\":0.5,\"lyap\":{\"violated\":false}}", lines.get(0));
        MetricsLog.Contents c = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 3L, 4L), steps(c));
        assertEquals(Optional.empty(), c.partialTail());
        assertEquals(0.25, c.records().get(3).get("loss").doubleValue());
        assertEquals("NaN", c.records().get(2).get("maskRate").asText());
    }

    @Test
    void everyAppendedLineIsVisibleBeforeClose() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        MetricsLog log = MetricsLog.open(file);
        log.append(1, fields(1));
        assertEquals(List.of(1L), steps(MetricsLog.read(file)));  // no user-space buffer: a killed process loses nothing
        log.append(2, fields(2));
        assertEquals(List.of(1L, 2L), steps(MetricsLog.read(file)));
        log.close();
    }

    @Test
    void aPartialLastLineIsSkippedReportedAndCutOffBeforeAppending() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(file)) {
            log.append(1, fields(1));
            log.append(2, fields(2));
        }
        // what a machine crash in the middle of writing step 3 can leave
        Files.write(file, "{\"step\":3,\"loss\":0.3".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        MetricsLog.Contents c = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L), steps(c));
        assertEquals(Optional.of("{\"step\":3,\"loss\":0.3"), c.partialTail());

        try (MetricsLog log = MetricsLog.open(file)) {
            assertEquals(new MetricsLog.ResumeReport(2, 0, Optional.of("{\"step\":3,\"loss\":0.3")), log.resumeReport());
            log.append(3, fields(3));
        }
        MetricsLog.Contents after = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 3L), steps(after));
        assertEquals(Optional.empty(), after.partialTail());
    }

    @Test
    void resumeDropsRecordsAfterTheCheckpointSoNoStepAppearsTwice() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(file)) {
            for (long s = 1; s <= 8; s++) log.append(s, fields(s));
            log.append(5, Map.of("evalTop1", 0.7));  // an out-of-order record of step 5 stays
        }
        Files.write(file, "{\"step\":9,\"lo".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        String keptPrefix = String.join("\n", Files.readAllLines(file).subList(0, 5)) + "\n";

        try (MetricsLog log = MetricsLog.resume(file, 5)) {
            assertEquals(new MetricsLog.ResumeReport(6, 3, Optional.of("{\"step\":9,\"lo")), log.resumeReport());
            for (long s = 6; s <= 9; s++) log.append(s, fields(s));
        }
        MetricsLog.Contents c = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 5L, 6L, 7L, 8L, 9L), steps(c));
        assertEquals(0.7, c.records().get(5).get("evalTop1").doubleValue());
        assertTrue(Files.readString(file).startsWith(keptPrefix), "kept lines must keep their original bytes");
        // the training records (those with a loss) have each step exactly once
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L),
                c.records().stream().filter(r -> r.has("loss")).map(r -> r.get("step").longValue()).toList());
    }

    @Test
    void resumeOnAMissingFileStartsEmptyAndOnACleanFileChangesNothing() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.resume(file, 10)) {
            assertEquals(new MetricsLog.ResumeReport(0, 0, Optional.empty()), log.resumeReport());
            log.append(1, fields(1));
        }
        byte[] before = Files.readAllBytes(file);
        try (MetricsLog log = MetricsLog.resume(file, 10)) {
            assertEquals(new MetricsLog.ResumeReport(1, 0, Optional.empty()), log.resumeReport());
        }
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(file));
    }

    @Test
    void corruptCompleteLinesAndRecordsWithoutStepAreErrors() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":1}\n{\"step\":2,\"loss\":}\n{\"step\":3}\n");
        IOException bad = assertThrows(IOException.class, () -> MetricsLog.read(file));
        assertTrue(bad.getMessage().contains("metrics.jsonl line 2 is not valid JSON"), bad.getMessage());
        Files.writeString(file, "{\"step\":1}\n{\"loss\":2}\n");
        IOException noStep = assertThrows(IOException.class, () -> MetricsLog.resume(file, 5));
        assertTrue(noStep.getMessage().endsWith("line 2 has no integer \"step\""), noStep.getMessage());

        try (MetricsLog log = MetricsLog.open(dir.resolve("other.jsonl"))) {
            ObjectNode noStepRecord = new ObjectMapper().createObjectNode().put("loss", 1.0);
            assertThrows(IllegalArgumentException.class, () -> log.append(noStepRecord));
            assertThrows(IllegalArgumentException.class, () -> log.append(1, Map.of("step", 2)));
        }
    }
}
