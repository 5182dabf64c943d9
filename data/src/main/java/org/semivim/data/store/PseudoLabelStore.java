package org.semivim.data.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Teacher pseudo-labels by sample: sample index → (label, confidence, teacher version), persisted
 * to a file with Chronicle Map ({@link PersistedLabelMap}). TeacherInference writes the labels of
 * teacher version t−1; any process on the machine may open the same file and read them, also
 * while one writes; reopening after a restart finds the contents intact.
 *
 * <p>A write never replaces a record of a newer teacher version (writes can arrive out of order
 * from several inference workers); a record of the same or a newer version replaces the old one.
 * The check-and-write is one atomic {@code compute} under Chronicle Map's segment lock.
 */
public final class PseudoLabelStore implements AutoCloseable {
    /** A stored pseudo-label. */
    public record PseudoLabel(int label, float confidence, long teacherVersion) {}

    private final PersistedLabelMap store;
    private final int numClasses;

    private PseudoLabelStore(PersistedLabelMap store, int numClasses) {
        this.store = store;
        this.numClasses = numClasses;
    }

    /** Opens (or creates) the store in {@code file} for a data set of {@code capacity} samples and {@code numClasses} classes. */
    public static PseudoLabelStore open(Path file, int capacity, int numClasses) throws IOException {
        if (numClasses < 2) throw new IllegalArgumentException("pseudo-label store needs at least 2 classes, got " + numClasses);
        return new PseudoLabelStore(new PersistedLabelMap(file, "semivim-pseudo-labels", capacity), numClasses);
    }

    /**
     * Records {@code label} with {@code confidence} from teacher version {@code teacherVersion} for
     * {@code sampleIndex}. Returns false (and changes nothing) when a newer teacher version is stored.
     */
    public boolean put(int sampleIndex, int label, float confidence, long teacherVersion) {
        store.requireRecord(sampleIndex, label, numClasses, confidence, teacherVersion, "teacher version");
        byte[] record = PersistedLabelMap.encode(label, confidence, teacherVersion);
        boolean[] written = {false};
        store.map().compute(sampleIndex, (key, old) -> {
            if (old != null && PersistedLabelMap.decode(old).version() > teacherVersion) return old;
            written[0] = true;
            return record;
        });
        return written[0];
    }

    /** The pseudo-label of {@code sampleIndex}, if one was written. */
    public Optional<PseudoLabel> get(int sampleIndex) {
        PersistedLabelMap.LabelRecord r = store.get(sampleIndex);
        if (r == null) return Optional.empty();
        requireLabel(r.label());
        return Optional.of(new PseudoLabel(r.label(), r.confidence(), r.version()));
    }

    public long size() {
        return store.size();
    }

    public int capacity() {
        return store.capacity();
    }

    public Path file() {
        return store.file();
    }

    private void requireLabel(int label) {
        store.requireLabel(label, numClasses);
    }

    @Override
    public void close() {
        store.close();
    }
}
