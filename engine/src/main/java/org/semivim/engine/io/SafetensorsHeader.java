package org.semivim.engine.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file: an 8-byte little-endian length N, then N bytes of JSON
 * {@code {"__metadata__": {str: str}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}}
 * padded with spaces to a multiple of 8. Offsets count from the first byte after the header.
 *
 * <p>{@link #read} validates like the reference implementation (huggingface/safetensors): the
 * header fits in the file, the JSON is an object without duplicate keys, every tensor's byte span
 * equals shape × dtype size, and the spans tile the data section exactly (no gap, no overlap, no
 * trailing bytes). Every error message starts with the file name.
 */
final class SafetensorsHeader {
    static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses larger headers; so do we (a corrupt length is caught early). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One tensor of the header; {@code begin}/{@code end} are byte offsets into the data section. */
    record Entry(String name, SafetensorsDtype dtype, int[] shape, int numel, long begin, long end) {}

    /** Entries in data order, metadata in header order, and where the data section starts in the file. */
    final List<Entry> entries;
    final Map<String, String> metadata;
    final long dataStart;

    private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataStart) {
        this.entries = entries;
        this.metadata = metadata;
        this.dataStart = dataStart;
    }

    /** Reads and validates the header of {@code file}, open as {@code channel}. */
    static SafetensorsHeader read(FileChannel channel, Path file) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw bad(file, "truncated: " + fileSize + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lengthBytes = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(headerLength) + " is larger than the limit of "
                    + MAX_HEADER_BYTES + " bytes (not a safetensors file, or corrupt)");
        }
        if (8 + headerLength > fileSize) {
            throw bad(file, "header length " + headerLength + " is larger than the file (" + fileSize
                    + " bytes, " + (fileSize - 8) + " after the length field): truncated or not a safetensors file");
        }
        ByteBuffer headerBytes = readFully(channel, 8, (int) headerLength);
        if (headerLength == 0 || headerBytes.get(0) != '{') {
            throw bad(file, "header does not start with '{' (not a safetensors file, or corrupt)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes.array());
        } catch (JsonProcessingException e) {
            throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) throw bad(file, "header JSON is not an object");

        long dataStart = 8 + headerLength;
        long dataLength = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(field.getValue(), file, metadata);
            } else {
                entries.add(readEntry(field.getKey(), field.getValue(), file, dataLength));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkTiling(entries, file, dataLength);
        return new SafetensorsHeader(List.copyOf(entries), metadata, dataStart);
    }

    private static void readMetadata(JsonNode node, Path file, Map<String, String> out) {
        if (!node.isObject()) throw bad(file, METADATA_KEY + " is not an object of strings");
        for (Map.Entry<String, JsonNode> kv : node.properties()) {
            if (!kv.getValue().isTextual()) {
                throw bad(file, METADATA_KEY + " value of '" + kv.getKey() + "' is not a string: " + kv.getValue());
            }
            out.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private static Entry readEntry(String name, JsonNode node, Path file, long dataLength) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw bad(file, where + " is not an object");
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(file, where + " has no dtype string");
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeNode.textValue(), file, name);

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(file, where + " has no shape array");
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber()) throw bad(file, where + " has a non-integer dimension in shape " + shapeNode);
            if (d.canConvertToLong() && d.longValue() < 0) throw bad(file, where + " has a negative dimension in shape " + shapeNode);
            if (!d.canConvertToInt()) throw bad(file, where + " has a dimension over 2^31-1 in shape " + shapeNode);
            shape[i] = d.intValue();
            // saturate just above the int range: a later 0 still gives 0, anything else stays too large
            numel = Math.min(numel * shape[i], Integer.MAX_VALUE + 1L);
        }
        if (numel > Integer.MAX_VALUE) {
            throw bad(file, where + " of shape " + shapeNode + " has more than 2^31-1 elements (too large for a float[])");
        }

        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw bad(file, where + " has no data_offsets [begin, end] pair of integers (got " + offsets + ")");
        }
        long begin = offsets.get(0).longValue(), end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw bad(file, where + " has invalid data_offsets [" + begin + ", " + end + "]: need 0 <= begin <= end");
        }
        if (end > dataLength) {
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] out of range: the data section has only "
                    + dataLength + " bytes (truncated file?)");
        }
        long needed = numel * dtype.bytes;
        if (end - begin != needed) {
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] spanning " + (end - begin)
                    + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + needed);
        }
        return new Entry(name, dtype, shape, (int) numel, begin, end);
    }

    /** The spans, sorted by begin, must cover [0, dataLength) exactly once. */
    private static void checkTiling(List<Entry> sorted, Path file, long dataLength) {
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw bad(file, "tensor '" + e.name + "' at data_offsets [" + e.begin + ", " + e.end
                        + "] overlaps tensor '" + previous + "' which ends at " + expected);
            }
            if (e.begin > expected) {
                throw bad(file, "gap in the data section: tensor '" + e.name + "' begins at " + e.begin
                        + " but the previous tensor ends at " + expected);
            }
            expected = e.end;
            previous = e.name;
        }
        if (expected != dataLength) {
            throw bad(file, "the tensors cover " + expected + " bytes but the data section has " + dataLength
                    + " (" + (dataLength - expected) + " trailing bytes)");
        }
    }

    /** The header bytes for {@code entries} (written contiguously in list order), padded with spaces to a multiple of 8. */
    static byte[] encode(List<Entry> entries, Map<String, String> metadata) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null) root.put(METADATA_KEY, metadata);
        for (Entry e : entries) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype.name());
            info.put("shape", e.shape);
            info.put("data_offsets", new long[] {e.begin, e.end});
            root.put(e.name, info);
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Reads exactly {@code length} bytes at {@code position}; the caller has checked they exist. */
    static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
        }
        return buffer.flip();
    }

    static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
