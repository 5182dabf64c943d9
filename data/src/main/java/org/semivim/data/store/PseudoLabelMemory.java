package org.semivim.data.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * SSMAE's permanent pseudo-label memory (ssl-spec.md R-G5, R-G4, R-G7): once a sample is admitted
 * with a label, that label is never revised and never removed, and it keeps being used even when
 * the gate later turns off. So the memory only grows. Persisted with Chronicle Map like
 * {@link PseudoLabelStore}, so it survives a restart and other processes can read it.
 *
 * <p>Admission is one atomic {@code putIfAbsent}: of two concurrent admissions of the same
 * sample, exactly one wins and its label stays. The record keeps the confidence at admission and
 * the epoch of admission, for diagnostics.
 */
public final class PseudoLabelMemory implements AutoCloseable {
    /** A memorised sample. */
    public record Memorised(int sampleIndex, int label, float confidence, long epoch) {}

    private final PersistedLabelMap store;
    private final int numClasses;

    private PseudoLabelMemory(PersistedLabelMap store, int numClasses) {
        this.store = store;
        this.numClasses = numClasses;
    }

    public static PseudoLabelMemory open(Path file, int capacity, int numClasses) throws IOException {
        if (numClasses < 2) throw new IllegalArgumentException("pseudo-label memory needs at least 2 classes, got " + numClasses);
        return new PseudoLabelMemory(new PersistedLabelMap(file, "semivim-ssmae-memory", capacity), numClasses);
    }

    /**
     * Admits {@code sampleIndex} with {@code label} (admission confidence {@code confidence}, at
     * {@code epoch}). Returns true if the sample is new; false if it was already memorised, in which
     * case its stored label is kept, whatever {@code label} is (R-G5: labels are never revised).
     */
    public boolean admit(int sampleIndex, int label, float confidence, long epoch) {
        store.requireRecord(sampleIndex, label, numClasses, confidence, epoch, "epoch");
        return store.map().putIfAbsent(sampleIndex, PersistedLabelMap.encode(label, confidence, epoch)) == null;
    }

    /** The memorised label of {@code sampleIndex}, if any. */
    public OptionalInt labelOf(int sampleIndex) {
        PersistedLabelMap.LabelRecord r = store.get(sampleIndex);
        if (r == null) return OptionalInt.empty();
        requireLabel(r.label());
        return OptionalInt.of(r.label());
    }

    public long size() {
        return store.size();
    }

    /** Every memorised sample, by ascending sample index (e.g. for a checkpoint or a report). */
    public List<Memorised> entries() {
        List<Memorised> out = new ArrayList<>();
        store.map().forEach((index, bytes) -> {
            PersistedLabelMap.LabelRecord r = PersistedLabelMap.decode(bytes);
            out.add(new Memorised(index, r.label(), r.confidence(), r.version()));
        });
        out.sort(java.util.Comparator.comparingInt(Memorised::sampleIndex));
        return out;
    }

    private void requireLabel(int label) {
        store.requireLabel(label, numClasses);
    }

    @Override
    public void close() {
        store.close();
    }
}
