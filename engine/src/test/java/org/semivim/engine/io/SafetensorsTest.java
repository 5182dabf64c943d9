package org.semivim.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, files from independent Python writers, and conversions. Bad files: {@link SafetensorsValidationTest}. */
class SafetensorsTest {
    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(SafetensorsTest.class.getResource("/safetensors/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void roundTripKeepsOrderBitsAndMetadata() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        float[] w = new float[24];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i * 0.7) / 3f;
        w[3] = -0.0f;
        w[4] = Float.intBitsToFloat(0x7fc01234);      // NaN with a payload
        w[5] = Float.NEGATIVE_INFINITY;
        w[6] = Float.MIN_VALUE;
        tensors.put("z.weight", Tensor.wrap(w, 2, 3, 4));
        tensors.put("a.bias", Tensor.wrap(new float[] {1f, 2f, 3f}, 3));
        tensors.put("scalar", Tensor.wrap(new float[] {42f}));
        tensors.put("empty", Tensor.zeros(0, 5));
        float[] storage = {9f, 9f, 7f, 8f, 9f};
        tensors.put("view", Tensor.view(storage, 2, 2));   // a view with an offset writes only its elements
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("step", "17");
        metadata.put("format", "pt");

        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, metadata);
        Safetensors.Contents back = Safetensors.read(file);

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor got = back.tensors().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertArrayEquals(bits(e.getValue().toArray()), bits(got.toArray()), e.getKey());
        }
        assertEquals(metadata, back.metadata());
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(back.metadata().keySet()));
        assertEquals(0, (Files.size(file) - 8 - headerLength(file)) % 4);
        assertEquals(0, headerLength(file) % 8, "header padded to a multiple of 8");
    }

    @Test
    void writeIsAtomicAndReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        Files.writeString(file, "old contents");
        Safetensors.write(file, Map.of("x", Tensor.wrap(new float[] {1f, 2f}, 2)), null);
        assertEquals(1f, Safetensors.read(file).tensors().get("x").get(0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        String header = new String(Files.readAllBytes(file), 8, (int) headerLength(file), StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), "null metadata writes no __metadata__ key");
        assertTrue(Safetensors.read(file).metadata().isEmpty());
    }

    /** mixed_dtypes.safetensors and its expected float32 bits were written by make_fixtures.py (numpy + struct + json). */
    @Test
    void readsThePythonFixtureExactly() throws IOException {
        Safetensors.Contents contents = Safetensors.read(resource("mixed_dtypes.safetensors"));
        JsonNode expected = new ObjectMapper().readTree(resource("mixed_dtypes.expected.json").toFile());
        List<String> expectedNames = new ArrayList<>();
        expected.fieldNames().forEachRemaining(expectedNames::add);
        assertEquals(expectedNames, List.copyOf(contents.tensors().keySet()), "data order = order the script wrote");
        for (String name : expectedNames) {
            JsonNode e = expected.get(name);
            Tensor t = contents.tensors().get(name);
            int[] shape = new int[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).intValue();
            int[] wantBits = new int[e.get("f32_bits").size()];
            for (int i = 0; i < wantBits.length; i++) wantBits[i] = (int) e.get("f32_bits").get(i).longValue();
            assertArrayEquals(shape, t.shape(), name);
            assertArrayEquals(wantBits, bits(t.toArray()), name + " (F16/BF16/F64 converted as numpy does)");
        }
        assertEquals(Map.of("format", "pt", "note", "mixed dtypes"), contents.metadata());
    }

    /** f32_only.safetensors was written by make_fixtures.py with tensors in a non-sorted order. */
    @Test
    void writesTheSameBytesAsThePythonWriter() throws IOException {
        assertRewriteIsByteIdentical(resource("f32_only.safetensors"));
    }

    /** library_written.safetensors was written by the official safetensors package (make_library_fixture.py). */
    @Test
    void writesTheSameBytesAsTheReferenceLibrary() throws IOException {
        Path lib = resource("library_written.safetensors");
        Safetensors.Contents contents = Safetensors.read(lib);
        assertEquals(List.of("cls_token", "layers.0.mixer.A_log", "layers.0.mixer.D", "norm_f.weight"),
                List.copyOf(contents.tensors().keySet()));
        Tensor aLog = contents.tensors().get("layers.0.mixer.A_log");
        assertArrayEquals(new int[] {2, 3}, aLog.shape());
        for (int i = 0; i < 6; i++) assertEquals((float) Math.log(i + 1), aLog.get(i), 0f, "A_log element " + i);
        assertEquals(1e-7f, contents.tensors().get("norm_f.weight").get(2), 0f);
        assertRewriteIsByteIdentical(lib);
    }

    private void assertRewriteIsByteIdentical(Path original) throws IOException {
        Safetensors.Contents contents = Safetensors.read(original);
        Path rewritten = dir.resolve("rewritten.safetensors");
        Safetensors.write(rewritten, contents.tensors(), contents.metadata());
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(rewritten));
    }

    @Test
    void halfPrecisionConversionIsExactForEveryValue() {
        // independent formula: (-1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14 · m/1024
        for (int h = 0; h < 0x10000; h++) {
            int sign = h >>> 15, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
            float got = SafetensorsDtype.halfToFloat((short) h);
            if (exp == 0x1f) {
                assertTrue(mant == 0 ? Float.isInfinite(got) : Float.isNaN(got), "half 0x" + Integer.toHexString(h));
                continue;
            }
            double magnitude = exp == 0 ? Math.scalb(mant / 1024.0, -14) : Math.scalb(1 + mant / 1024.0, exp - 15);
            float want = (float) (sign == 1 ? -magnitude : magnitude);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void decodesEachDtype() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putDouble(0, 0.1).putDouble(8, -1e300);
        float[] out = new float[2];
        SafetensorsDtype.F64.decode(b, out, 0, 2);
        assertEquals(0.1f, out[0], 0f);
        assertEquals(Float.NEGATIVE_INFINITY, out[1], 0f);
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort(0, (short) 0x3fc0).putShort(2, (short) 0xc049);    // 1.5, -3.140625
        SafetensorsDtype.BF16.decode(bf, out, 0, 2);
        assertArrayEquals(new float[] {1.5f, -3.140625f}, out);
    }

    static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) out[i] = Float.floatToRawIntBits(values[i]);
        return out;
    }

    static long headerLength(Path file) throws IOException {
        return ByteBuffer.wrap(Arrays.copyOf(Files.readAllBytes(file), 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
