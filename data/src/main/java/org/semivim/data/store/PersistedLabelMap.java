package org.semivim.data.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * The mechanism shared by the label stores: a Chronicle Map persisted to a file, from sample
 * index (Integer) to a fixed 16-byte record {label int32, confidence float32, version int64}
 * (big-endian). Chronicle Map keeps the data in a memory-mapped file with per-segment locks, so
 * the file survives a restart and other JVMs on the same machine can open it and read while one
 * writes. Chronicle Map needs the JVM flags of docs/data.md ({@code chronicle.jvm.flags} in the
 * parent pom).
 *
 * <p>{@code capacity} is the number of samples of the data set: keys must lie in [0, capacity),
 * and the map is sized for all of them.
 */
final class PersistedLabelMap implements AutoCloseable {
    static final int RECORD_BYTES = 16;

    /** A decoded record. */
    record LabelRecord(int label, float confidence, long version) {}

    private final Path file;
    private final int capacity;
    private final ChronicleMap<Integer, byte[]> map;

    PersistedLabelMap(Path file, String name, int capacity) throws IOException {
        if (capacity < 1) throw new IllegalArgumentException(name + ": capacity (number of samples) must be positive, got " + capacity);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        this.file = file;
        this.capacity = capacity;
        try {
            this.map = ChronicleMap.of(Integer.class, byte[].class)
                    .name(name)
                    .entries(capacity)
                    .constantValueSizeBySample(new byte[RECORD_BYTES])
                    .createPersistedTo(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot open the " + name + " store (" + e.getMessage()
                    + "); if this is a JVM access error, start Java with the Chronicle flags of docs/data.md", e);
        }
    }

    Path file() {
        return file;
    }

    int capacity() {
        return capacity;
    }

    void requireIndex(int sampleIndex) {
        if (sampleIndex < 0) throw new IllegalArgumentException(file.getFileName() + ": sample index must be >= 0, got " + sampleIndex);
        if (sampleIndex >= capacity) {
            throw new IllegalArgumentException(file.getFileName() + ": sample index " + sampleIndex + " outside the store's " + capacity + " samples");
        }
    }

    /** Checks a label read or about to be written: in [0, {@code numClasses}). */
    void requireLabel(int label, int numClasses) {
        if (label < 0 || label >= numClasses) {
            throw new IllegalArgumentException(file.getFileName() + ": label " + label + " outside [0, " + numClasses + ")");
        }
    }

    /**
     * Checks a record about to be written, in this order: the sample index, the label, the confidence (a
     * probability) and the version ({@code versionName} in the message) &gt;= 0.
     */
    void requireRecord(int sampleIndex, int label, int numClasses, float confidence, long version, String versionName) {
        requireIndex(sampleIndex);
        requireLabel(label, numClasses);
        if (!(confidence >= 0f && confidence <= 1f)) {
            throw new IllegalArgumentException("confidence of sample " + sampleIndex + " must be a probability in [0, 1], got " + confidence);
        }
        if (version < 0) throw new IllegalArgumentException(versionName + " must be >= 0, got " + version);
    }

    ChronicleMap<Integer, byte[]> map() {
        return map;
    }

    LabelRecord get(int sampleIndex) {
        requireIndex(sampleIndex);
        byte[] bytes = map.get(sampleIndex);
        return bytes == null ? null : decode(bytes);
    }

    long size() {
        return map.longSize();
    }

    static byte[] encode(int label, float confidence, long version) {
        return ByteBuffer.allocate(RECORD_BYTES).putInt(label).putFloat(confidence).putLong(version).array();
    }

    static LabelRecord decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new LabelRecord(b.getInt(), b.getFloat(), b.getLong());
    }

    @Override
    public void close() {
        map.close();
    }
}
