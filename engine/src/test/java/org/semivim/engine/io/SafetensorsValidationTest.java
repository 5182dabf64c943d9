package org.semivim.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad files and {@link Safetensors#loadInto} name matching: every error is clear and names the file. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static final String TWO_BY_THREE = "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";

    // ---- bad files -----------------------------------------------------------------------------

    @Test
    void shorterThanTheLengthField() throws IOException {
        Path f = dir.resolve("tiny.safetensors");
        Files.write(f, new byte[] {1, 0, 0});
        assertBad(f, "truncated: 3 bytes");
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        Path f = fileWith("big.safetensors", "{" + TWO_BY_THREE + "}", 24);
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 10_000);
        Files.write(f, bytes);
        assertBad(f, "header length 10000 is larger than the file");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);       // 2^64 − 5 unsigned
        Files.write(f, bytes);
        assertBad(f, "larger than the limit");
    }

    @Test
    void truncatedData() throws IOException {
        Path f = fileWith("cut.safetensors", "{" + TWO_BY_THREE + "}", 24);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 4));
        assertBad(f, "out of range: the data section has only 20 bytes");
    }

    @Test
    void invalidJson() throws IOException {
        assertBad(fileWith("json.safetensors", "{\"w\": {\"dtype\": ", 0), "header is not valid JSON");
        assertBad(fileWith("trail.safetensors", "{} {}", 0), "header is not valid JSON");
        assertBad(fileWith("dup.safetensors", "{" + TWO_BY_THREE + "," + TWO_BY_THREE + "}", 24), "Duplicate field 'w'");
        assertBad(fileWith("array.safetensors", "[1,2]", 0), "does not start with '{'");
    }

    @Test
    void offsetsNotMatchingShapeTimesDtype() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}";
        assertBad(fileWith("size.safetensors", h, 20), "spanning 20 bytes, but shape [2, 3] of F32 needs 24");
        String f16 = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
        assertBad(fileWith("f16.safetensors", f16, 24), "of F16 needs 12");
    }

    @Test
    void overlappingGapOrTrailingBytes() throws IOException {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}";
        assertBad(fileWith("overlap.safetensors", overlap, 24), "tensor 'b' at data_offsets [8, 24] overlaps tensor 'a'");
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertBad(fileWith("gap.safetensors", gap, 12), "gap in the data section: tensor 'b' begins at 8");
        assertBad(fileWith("trailing.safetensors", "{" + TWO_BY_THREE + "}", 28), "4 trailing bytes");
        String backwards = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}";
        assertBad(fileWith("backwards.safetensors", backwards, 4), "invalid data_offsets [4, 0]");
        String missing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}";
        assertBad(fileWith("nooffsets.safetensors", missing, 4), "has no data_offsets");
    }

    @Test
    void negativeOrHugeDimensions() throws IOException {
        String negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2,3],\"data_offsets\":[0,24]}}";
        assertBad(fileWith("neg.safetensors", negative, 24), "tensor 'w' has a negative dimension in shape [-2,3]");
        String huge = "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}";
        assertBad(fileWith("huge.safetensors", huge, 4), "more than 2^31-1 elements");
        String fraction = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}";
        assertBad(fileWith("frac.safetensors", fraction, 4), "non-integer dimension");
    }

    @Test
    void unsupportedDtypeAndBadMetadata() throws IOException {
        String i64 = "{\"steps\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        assertBad(fileWith("int.safetensors", i64, 8), "tensor 'steps' has dtype I64, which cannot be loaded as float32");
        String meta = "{\"__metadata__\":{\"step\":3}," + TWO_BY_THREE + "}";
        assertBad(fileWith("meta.safetensors", meta, 24), "__metadata__ value of 'step' is not a string");
    }

    // ---- loadInto ------------------------------------------------------------------------------

    /** enc.weight [2,3] (in the file), enc.bias [4] (file has [5]), head.weight [2,2] (missing); file also has extra [1]. */
    @Test
    void loadIntoListsEveryProblemAndChangesNothing() throws IOException {
        ParameterSet params = threeParams();
        params.flatValues().fill(-1f);
        Map<String, Tensor> file = new LinkedHashMap<>();
        file.put("enc.weight", Tensor.wrap(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        file.put("enc.bias", Tensor.zeros(5));
        file.put("extra", Tensor.zeros(1));
        Path f = dir.resolve("mismatch.safetensors");
        Safetensors.write(f, file, null);

        IllegalArgumentException strict = assertThrows(IllegalArgumentException.class, () -> Safetensors.loadInto(params, f, true));
        String msg = strict.getMessage();
        assertTrue(msg.contains(f.toString()), msg);
        assertTrue(msg.contains("3 problems"), msg);
        assertTrue(msg.contains("shape mismatch 'enc.bias': expected shape [4], found [5]"), msg);
        assertTrue(msg.contains("missing 'head.weight': expected shape [2, 2]"), msg);
        assertTrue(msg.contains("unexpected 'extra': found shape [1]"), msg);

        IllegalArgumentException lenient = assertThrows(IllegalArgumentException.class, () -> Safetensors.loadInto(params, f, false));
        assertTrue(lenient.getMessage().contains("2 problems"), lenient.getMessage());
        assertTrue(!lenient.getMessage().contains("extra"), lenient.getMessage());

        for (float x : params.flatValues().toArray()) assertEquals(-1f, x, "a failed load copies nothing");
    }

    @Test
    void saveThenLoadIntoIsExactAndReportsIgnoredNames() throws IOException {
        ParameterSet source = threeParams();
        float[] v = source.flatValues().data;
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.cos(i) * 1e-3f;
        Path f = dir.resolve("params.safetensors");
        Safetensors.save(source, f, Map.of("step", "5"));

        ParameterSet target = threeParams();
        Safetensors.LoadReport report = Safetensors.loadInto(target, f, true);
        assertArrayEquals(source.flatValues().toArray(), target.flatValues().toArray());
        assertEquals(Map.of("step", "5"), report.metadata());
        assertEquals(List.of(), report.ignored());
        assertEquals(List.of("enc.weight", "enc.bias", "head.weight"),
                List.copyOf(Safetensors.read(f).tensors().keySet()), "declaration order");

        // a file with one more tensor loads non-strictly and reports it
        Map<String, Tensor> more = new LinkedHashMap<>(Safetensors.read(f).tensors());
        more.put("model_ema.extra", Tensor.zeros(3));
        Path g = dir.resolve("more.safetensors");
        Safetensors.write(g, more, null);
        ParameterSet again = threeParams();
        assertEquals(List.of("model_ema.extra"), Safetensors.loadInto(again, g, false).ignored());
        assertArrayEquals(source.flatValues().toArray(), again.flatValues().toArray());
    }

    @Test
    void loadIntoConvertsHalfPrecisionFiles() throws IOException {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("blocks.0.half", 2, 4);
        ParameterSet params = b.build();
        Safetensors.LoadReport report = Safetensors.loadInto(params, SafetensorsTest.resource("mixed_dtypes.safetensors"), false);
        assertEquals(5, report.ignored().size());
        assertEquals(-2.5f, params.get("blocks.0.half").value().get(1));
        assertEquals(0x1p-24f, params.get("blocks.0.half").value().get(2));
    }

    @Test
    void writerRejectsTheReservedName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x.safetensors"), Map.of("__metadata__", Tensor.zeros(1)), null));
        assertTrue(e.getMessage().contains("__metadata__"));
    }

    private static ParameterSet threeParams() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("enc.weight", 2, 3);
        b.declare("enc.bias", 4);
        b.declare("head.weight", 2, 2);
        return b.build();
    }

    /** A file with {@code header} (padded to 8 with spaces) and {@code dataBytes} bytes of data. */
    private Path fileWith(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) b.put((byte) ' ');
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static void assertBad(Path file, String expectedFragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), "expected '" + expectedFragment + "' in: " + e.getMessage());
    }
}
