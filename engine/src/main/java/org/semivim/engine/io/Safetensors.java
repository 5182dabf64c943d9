package org.semivim.engine.io;

import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (huggingface/safetensors): tensor names are the bare
 * state-dict keys, e.g. {@code layers.0.mixer.A_log}. The engine writes F32; it reads F32, F16,
 * BF16 and F64 (converted to float32). See {@link SafetensorsHeader} for the layout and the
 * checks made on every file read.
 *
 * <p>Written files are byte-identical to what the reference writer produces for the same tensors
 * when those are F32 and given in the reference's order (sorted by name): this writer keeps the
 * caller's order and lays the data out contiguously in that order.
 */
public final class Safetensors {
    /** Elements decoded or encoded per I/O chunk, so no buffer of a whole large tensor is needed. */
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private Safetensors() {}

    /** The tensors of a file, in data order, and its {@code __metadata__} (empty when absent). */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** What {@link #loadInto} did: file tensors it ignored (unknown names, non-strict mode) and the file's metadata. */
    public record LoadReport(List<String> ignored, Map<String, String> metadata) {}

    /**
     * Writes {@code tensors} as F32, in map iteration order, with {@code metadata} as
     * {@code __metadata__} (omitted when null; use an ordered map for a reproducible file).
     * Atomic: the data go to a temporary file in the same directory, which is flushed to disk and
     * then moved over {@code file}; a reader never sees a half-written file.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<SafetensorsHeader.Entry> entries = new ArrayList<>(tensors.size());
        List<Tensor> data = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            String name = t.getKey();
            if (name == null || t.getValue() == null) throw new IllegalArgumentException("null tensor name or tensor in " + file);
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be called " + SafetensorsHeader.METADATA_KEY + " (" + file + ")");
            }
            Tensor tensor = t.getValue();
            long bytes = 4L * tensor.size;
            entries.add(new SafetensorsHeader.Entry(name, SafetensorsDtype.F32, tensor.shape(), tensor.size, offset, offset + bytes));
            data.add(tensor);
            offset += bytes;
        }
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (k == null || v == null) throw new IllegalArgumentException("null metadata key or value for " + file);
            });
        }
        byte[] header = SafetensorsHeader.encode(entries, metadata);

        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try {
                // temp files are created 0600; a written model file should be readable like any other file
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // non-POSIX file system: keep its defaults
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(channel, length);
                writeFully(channel, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocate(4 * CHUNK_ELEMENTS).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor tensor : data) {
                    for (int start = 0; start < tensor.size; start += CHUNK_ELEMENTS) {
                        int n = Math.min(CHUNK_ELEMENTS, tensor.size - start);
                        chunk.clear();
                        chunk.asFloatBuffer().put(tensor.data, tensor.offset + start, n);
                        chunk.limit(4 * n);
                        writeFully(channel, chunk);
                    }
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** Reads every tensor of {@code file} as float32, in data order. */
    public static Contents read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = SafetensorsHeader.read(channel, file);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : header.entries) {
                float[] values = new float[e.numel()];
                readInto(channel, header.dataStart, e, values, 0);
                tensors.put(e.name(), Tensor.wrap(values, e.shape()));
            }
            return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(header.metadata));
        }
    }

    /** Writes every parameter value of {@code params}, in declaration (state-dict) order. */
    public static void save(ParameterSet params, Path file, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : params.parameters()) tensors.put(p.name(), p.value());
        write(file, tensors, metadata);
    }

    /**
     * Copies the tensors of {@code file} into the parameters of the same name. Every parameter
     * must be in the file with the same shape; tensors of the file that name no parameter are an
     * error when {@code strict}, else ignored and reported. All problems are collected and thrown
     * as one IllegalArgumentException before anything is copied, so a failed load changes nothing.
     */
    public static LoadReport loadInto(ParameterSet params, Path file, boolean strict) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = SafetensorsHeader.read(channel, file);
            Map<String, SafetensorsHeader.Entry> byName = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : header.entries) byName.put(e.name(), e);

            List<String> problems = new ArrayList<>();
            List<String> ignored = new ArrayList<>();
            for (Parameter p : params.parameters()) {
                SafetensorsHeader.Entry e = byName.get(p.name());
                if (e == null) {
                    problems.add("missing '" + p.name() + "': expected shape " + Arrays.toString(p.shape()) + ", not in the file");
                } else if (!Arrays.equals(e.shape(), p.shape())) {
                    problems.add("shape mismatch '" + p.name() + "': expected shape " + Arrays.toString(p.shape())
                            + ", found " + Arrays.toString(e.shape()));
                }
            }
            for (SafetensorsHeader.Entry e : header.entries) {
                if (params.contains(e.name())) continue;
                if (strict) {
                    problems.add("unexpected '" + e.name() + "': found shape " + Arrays.toString(e.shape()) + ", no such parameter");
                } else {
                    ignored.add(e.name());
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("cannot load " + file + " into the parameter set (" + problems.size()
                        + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems));
            }
            for (Parameter p : params.parameters()) {
                Tensor value = p.value();
                readInto(channel, header.dataStart, byName.get(p.name()), value.data, value.offset);
            }
            return new LoadReport(List.copyOf(ignored), Collections.unmodifiableMap(header.metadata));
        }
    }

    /** Decodes the data of {@code e} into {@code dst[dstOffset ..]}, chunk by chunk. */
    private static void readInto(FileChannel channel, long dataStart, SafetensorsHeader.Entry e, float[] dst, int dstOffset)
            throws IOException {
        int bytes = e.dtype().bytes;
        for (int start = 0; start < e.numel(); start += CHUNK_ELEMENTS) {
            int n = Math.min(CHUNK_ELEMENTS, e.numel() - start);
            ByteBuffer chunk = SafetensorsHeader.readFully(channel, dataStart + e.begin() + (long) start * bytes, n * bytes);
            e.dtype().decode(chunk, dst, dstOffset + start, n);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) channel.write(buffer);
    }
}
