package org.semivim.data.split;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.semivim.data.io.ImageDataset;

/**
 * One long-tailed split of a training set: which training indices are validation, labeled and
 * unlabeled. A value: equal splits are equal. Its {@link #id} is a hash of the protocol (all its
 * parameters and counts) and the seed, so a run can name the split it uses, and a resumed run can
 * check it reloaded the same one. {@link #labelsDigest} fingerprints the training labels the split
 * was drawn from, so it cannot silently be applied to other data.
 *
 * <p>Index arrays are in the order the split procedure took them: class by class, shuffled within
 * a class (see {@link LongTailSplitter}).
 */
public record LongTailSplit(String id, SplitProtocol protocol, long seed, String labelsDigest,
                            int[] validation, int[] labeled, int[] unlabeled) {

    public LongTailSplit {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(labeled, "labeled");
        Objects.requireNonNull(unlabeled, "unlabeled");
        validation = validation.clone();  // a value: callers cannot change it
        labeled = labeled.clone();
        unlabeled = unlabeled.clone();
        String expected = idOf(protocol, seed);
        if (!expected.equals(id)) {
            throw new IllegalArgumentException("split id " + id + " does not match its protocol " + protocol.name()
                    + " and seed " + seed + " (expected " + expected + "): the split was edited or made by other rules");
        }
    }

    @Override
    public int[] validation() {
        return validation.clone();
    }

    @Override
    public int[] labeled() {
        return labeled.clone();
    }

    @Override
    public int[] unlabeled() {
        return unlabeled.clone();
    }

    /** The stable id: first 16 hex digits of SHA-256 over "semivim-split-v1", the protocol's canonical text and the seed. */
    public static String idOf(SplitProtocol protocol, long seed) {
        String text = "semivim-split-v1;" + protocol.canonical() + ";seed=" + seed;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Throws unless this split was drawn from {@code train} (same labels). */
    public void requireDrawnFrom(ImageDataset train) {
        String digest = train.labelsDigest();
        if (!digest.equals(labelsDigest)) {
            throw new IllegalArgumentException("split " + id + " (" + protocol.name() + ", seed " + seed + ") was drawn from data with labels digest "
                    + labelsDigest + " but " + train.name() + " has " + digest);
        }
        int[] labels = train.labels();
        int[] expectedLabeled = protocol.labeledCounts();
        int[] expectedUnlabeled = protocol.unlabeledCounts();
        int[] expectedValidation = new int[protocol.numClasses()];
        Arrays.fill(expectedValidation, protocol.validationPerClass());
        requireCounts("validation", perClass(validation, labels, protocol.numClasses()), expectedValidation);
        requireCounts("labeled", perClass(labeled, labels, protocol.numClasses()), expectedLabeled);
        requireCounts("unlabeled", perClass(unlabeled, labels, protocol.numClasses()), expectedUnlabeled);
    }

    private void requireCounts(String part, int[] actual, int[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException("split " + id + ": " + part + " per-class counts " + Arrays.toString(actual)
                    + " differ from protocol " + protocol.name() + "'s " + Arrays.toString(expected));
        }
    }

    /** Per-class counts of {@code indices} under {@code labels}. */
    public static int[] perClass(int[] indices, int[] labels, int numClasses) {
        int[] counts = new int[numClasses];
        for (int i : indices) counts[labels[i]]++;
        return counts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongTailSplit s && id.equals(s.id) && seed == s.seed && protocol.equals(s.protocol)
                && labelsDigest.equals(s.labelsDigest) && Arrays.equals(validation, s.validation)
                && Arrays.equals(labeled, s.labeled) && Arrays.equals(unlabeled, s.unlabeled);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, labelsDigest, Arrays.hashCode(validation), Arrays.hashCode(labeled), Arrays.hashCode(unlabeled));
    }

    @Override
    public String toString() {
        return "LongTailSplit[" + id + ", " + protocol.name() + ", seed " + seed + ", validation " + validation.length
                + ", labeled " + labeled.length + ", unlabeled " + unlabeled.length + "]";
    }
}
