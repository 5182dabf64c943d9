package org.semivim.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest {
    static final String HASH = ConfigHash.of(Map.of("method", "lyapema", "lr", 0.03));
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path runDir;

    /** Tensors whose every value encodes (step, tensor, element), so a mix-up of any two shows. */
    static Map<String, Tensor> tensors(long step) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("student/layers.0.weight", filled(step, 1, 3, 4));
        t.put("student/head.bias", filled(step, 2, 5));
        t.put("teacher/layers.0.weight", filled(step, 3, 3, 4));
        t.put("rng.coordinates", filled(step, 4, 2));
        return t;
    }

    static Tensor filled(long step, int id, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size; i++) t.set(i, step * 1000f + id * 100f + i + 0.1f * i);
        return t;
    }

    static ObjectNode state(long step) {
        ObjectNode s = JSON.createObjectNode();
        s.put("step", step);
        s.put("epoch", 2);
        s.put("samplerCursor", 123_456_789_012L);
        s.put("lyapS", 0.1f);
        s.putObject("gate").put("open", true).put("hcAcc", 0.9375);
        return s;
    }

    CheckpointStore store() {
        return new CheckpointStore(runDir, 10);
    }

    @Test
    void roundTripKeepsNamesOrderBitsAndState() throws IOException {
        // views with an offset into a shared array must be written as the view, not the whole array
        float[] shared = {9, 9, 1.5f, -2.25f, Float.MIN_VALUE, 9};
        Map<String, Tensor> written = new LinkedHashMap<>(tensors(7));
        written.put("adamw.m/head.bias", Tensor.view(shared, 2, 3));
        Path dir = store().write(7, written, state(7), HASH);
        assertEquals(runDir.resolve("checkpoints/step-000000007"), dir);

        LoadResult result = store().latest(HASH).orElseThrow();
        Checkpoint c = result.checkpoint();
        assertFalse(result.fellBack());
        assertEquals(7, c.step());
        assertEquals(HASH, c.configHash());
        assertEquals(new ArrayList<>(written.keySet()), new ArrayList<>(c.tensors().keySet()));
        for (Map.Entry<String, Tensor> e : written.entrySet()) {
            Tensor got = c.tensor(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            for (int i = 0; i < got.size; i++) {
                assertEquals(Float.floatToRawIntBits(e.getValue().get(i)), Float.floatToRawIntBits(got.get(i)), e.getKey() + "[" + i + "]");
            }
        }
        assertSameJson(state(7), c.state());
        assertEquals(0.1f, c.state().get("lyapS").floatValue());
        assertEquals(123_456_789_012L, c.state().get("samplerCursor").longValue());

        // a group file is a plain model file with bare state-dict names
        Safetensors.Contents student = Safetensors.read(dir.resolve("student.safetensors"));
        assertEquals(List.of("layers.0.weight", "head.bias"), new ArrayList<>(student.tensors().keySet()));
        assertTrue(Files.exists(dir.resolve("tensors.safetensors")));
        JsonNode header = JSON.readTree(dir.resolve("checkpoint.json").toFile());
        assertEquals("semivim-checkpoint", header.get("magic").asText());
        assertEquals(1, header.get("formatVersion").asInt());
        assertEquals(HASH, header.get("configHash").asText());
        assertEquals(5, header.get("files").size());  // student, teacher, tensors, adamw.m, state
    }

    @Test
    void stateGivenAsMapRoundTrips() throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", 3L);
        state.put("cursors", List.of(1, 2, 3));
        store().write(3, Map.of(), state, HASH);
        Checkpoint c = store().load(3, HASH);
        assertSameJson(JSON.valueToTree(state), c.state());
        assertTrue(c.tensors().isEmpty());
    }

    @Test
    void freshRunHasNoCheckpoint() throws IOException {
        assertEquals(Optional.empty(), store().latest(HASH));
        assertEquals(List.of(), store().steps());
    }

    @Test
    void badTensorNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> store().write(1, Map.of("tensors/x", filled(1, 1, 2)), state(1), HASH));
        assertThrows(IllegalArgumentException.class, () -> store().write(1, Map.of("../x/y", filled(1, 1, 2)), state(1), HASH));
        assertThrows(IllegalArgumentException.class, () -> store().write(1, Map.of("student/", filled(1, 1, 2)), state(1), HASH));
        assertThrows(IllegalArgumentException.class, () -> store().write(-1, Map.of(), state(1), HASH));
    }

    // ---- crash and corruption: each is refused with its reason, and loading falls back to step 100

    @Test
    void partialCheckpointWithoutDoneFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        Files.delete(bad.resolve("DONE"));
        assertFallback("partial checkpoint: no DONE marker");
    }

    @Test
    void truncatedTensorFileFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        Path file = bad.resolve("student.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertFallback("corrupt checkpoint: student.safetensors has " + (bytes.length - 7) + " bytes, the header records " + bytes.length);
    }

    @Test
    void modifiedTensorFileFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        flipLastByte(bad.resolve("teacher.safetensors"));
        assertFallback("corrupt checkpoint: SHA-256 mismatch for teacher.safetensors");
    }

    @Test
    void modifiedStateFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        replaceOnce(bad.resolve("state.json"), "\"epoch\" : 2", "\"epoch\" : 3");
        assertFallback("corrupt checkpoint: SHA-256 mismatch for state.json");
    }

    @Test
    void modifiedHeaderFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        replaceOnce(bad.resolve("checkpoint.json"), "\"step\" : 200", "\"step\" : 201");
        assertFallback("corrupt checkpoint: SHA-256 mismatch for checkpoint.json");
    }

    @Test
    void wrongFormatVersionFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        // a checkpoint written by a (future) version 2 writer: consistent header and DONE
        byte[] v2 = replaceOnce(bad.resolve("checkpoint.json"), "\"formatVersion\" : 1", "\"formatVersion\" : 2");
        Files.writeString(bad.resolve("DONE"), DurableFiles.sha256(v2) + "\n");
        assertFallback("unsupported format version 2 (this reader supports version 1)");
    }

    @Test
    void wrongMagicFallsBack() throws IOException {
        Path bad = twoCheckpoints();
        byte[] other = replaceOnce(bad.resolve("checkpoint.json"), "semivim-checkpoint", "other-format");
        Files.writeString(bad.resolve("DONE"), DurableFiles.sha256(other) + "\n");
        assertFallback("not a semivim checkpoint: magic is \"other-format\", expected \"semivim-checkpoint\"");
    }

    @Test
    void wrongConfigHashFallsBackAndNamesBothHashes() throws IOException {
        CheckpointStore store = store();
        store.write(100, tensors(100), state(100), HASH);
        String other = ConfigHash.of(Map.of("method", "fixmatch"));
        store.write(200, tensors(200), state(200), other);
        assertFallback("config hash mismatch: the checkpoint was written for config " + other
                + " but this run's config hash is " + HASH);
    }

    @Test
    void nothingGoodIsAClearErrorListingEveryRefusal() throws IOException {
        Path bad = twoCheckpoints();
        Files.delete(bad.resolve("DONE"));
        flipLastByte(store().directory(100).resolve("student.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store().latest(HASH));
        assertTrue(e.getMessage().contains("refused 2"), e.getMessage());
        assertTrue(e.getMessage().contains("step-000000200: partial checkpoint: no DONE marker"), e.getMessage());
        assertTrue(e.getMessage().contains("step-000000100: corrupt checkpoint: SHA-256 mismatch for student.safetensors"), e.getMessage());
    }

    @Test
    void loadingOneStepRefusesWithoutFallback() throws IOException {
        Path bad = twoCheckpoints();
        flipLastByte(bad.resolve("state.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store().load(200, HASH));
        assertTrue(e.getMessage().contains("SHA-256 mismatch for state.json"), e.getMessage());
        assertEquals(100, store().load(100, HASH).step());
        assertThrows(CheckpointException.class, () -> store().load(150, HASH));
        String other = ConfigHash.of(Map.of("x", 1));
        CheckpointException mismatch = assertThrows(CheckpointException.class, () -> store().load(100, other));
        assertTrue(mismatch.getMessage().contains(HASH) && mismatch.getMessage().contains(other), mismatch.getMessage());
    }

    @Test
    void scratchDirectoriesAreInvisibleAndRemovedByTheNextWrite() throws IOException {
        CheckpointStore store = store();
        store.write(100, tensors(100), state(100), HASH);
        // what a crash in the middle of writing step 200 leaves: a scratch directory without DONE
        Path scratch = Files.createDirectories(store.checkpointsDir().resolve(".tmp-step-000000200-12345"));
        Files.writeString(scratch.resolve("state.json"), "{\"step\":");
        LoadResult r = store.latest(HASH).orElseThrow();
        assertEquals(100, r.checkpoint().step());
        assertFalse(r.fellBack());
        store.write(200, tensors(200), state(200), HASH);
        assertFalse(Files.exists(scratch));
        assertEquals(List.of(100L, 200L), store.steps());
    }

    /** Writes good checkpoints at steps 100 and 200 and returns the directory of 200. */
    private Path twoCheckpoints() throws IOException {
        store().write(100, tensors(100), state(100), HASH);
        return store().write(200, tensors(200), state(200), HASH);
    }

    private void assertFallback(String expectedReason) throws IOException {
        LoadResult r = store().latest(HASH).orElseThrow();
        assertEquals(100, r.checkpoint().step());
        assertSameJson(state(100), r.checkpoint().state());
        assertEquals(100_000f + 100f + 0f, r.checkpoint().tensor("student/layers.0.weight").get(0));
        assertTrue(r.fellBack());
        assertEquals(1, r.refusals().size());
        Refusal refusal = r.refusals().get(0);
        assertEquals(200, refusal.step());
        assertTrue(refusal.reason().startsWith(expectedReason), "reason was: " + refusal.reason());
    }

    /** Replaces the single occurrence of {@code from} in a text file; returns the new bytes. */
    private static byte[] replaceOnce(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        int at = text.indexOf(from);
        assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, "expected exactly one '" + from + "' in " + file + ":\n" + text);
        byte[] bytes = text.replace(from, to).getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        return bytes;
    }

    /** JSON numbers come back as the smallest fitting node type (an int written as long reads as int): compare the text. */
    private static void assertSameJson(JsonNode expected, JsonNode actual) {
        assertEquals(expected.toString(), actual.toString());
    }

    private static void flipLastByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(file, bytes);
    }
}
