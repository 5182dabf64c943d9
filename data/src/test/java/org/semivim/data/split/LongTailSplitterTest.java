package org.semivim.data.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.semivim.engine.rng.CounterRng;

class LongTailSplitterTest {
    /** Fashion-MNIST-like training labels: 6000 per class, classes interleaved in a scrambled order. */
    static int[] fashionLikeLabels() {
        int[] labels = new int[60_000];
        for (int i = 0; i < labels.length; i++) labels[i] = (int) ((i * 7L + i / 10) % 10);
        int[] counts = new int[10];
        for (int y : labels) counts[y]++;
        for (int c : counts) if (c != 6000) throw new AssertionError("test labels should have 6000 per class");
        return labels;
    }

    private static final int[] LABELS = fashionLikeLabels();

    private static LongTailSplit split(SplitProtocol p, long seed) {
        return LongTailSplitter.split(LABELS, "digest", p, seed, "fashion-like");
    }

    static List<SplitProtocol> allProtocols() {
        return List.of(SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), SplitProtocol.a1(SplitProtocol.UnlabeledProfile.UNIFORM),
                SplitProtocol.a1(SplitProtocol.UnlabeledProfile.REVERSED), SplitProtocol.a2(SplitProtocol.UnlabeledProfile.CONSISTENT),
                SplitProtocol.a2(SplitProtocol.UnlabeledProfile.UNIFORM), SplitProtocol.a2(SplitProtocol.UnlabeledProfile.REVERSED),
                SplitProtocol.b(1), SplitProtocol.b(5), SplitProtocol.b(10));
    }

    @Test
    void everyProtocolHasTheSpecCountsAndDisjointParts() {
        int[] fiveHundred = new int[10];
        Arrays.fill(fiveHundred, 500);
        for (SplitProtocol p : allProtocols()) {
            LongTailSplit s = split(p, 3);
            assertArrayEquals(fiveHundred, LongTailSplit.perClass(s.validation(), LABELS, 10), p.name() + " validation");
            assertArrayEquals(p.labeledCounts(), LongTailSplit.perClass(s.labeled(), LABELS, 10), p.name() + " labeled");
            assertArrayEquals(p.unlabeledCounts(), LongTailSplit.perClass(s.unlabeled(), LABELS, 10), p.name() + " unlabeled");
            Set<Integer> seen = new HashSet<>();
            for (int[] part : new int[][] {s.validation(), s.labeled(), s.unlabeled()}) {
                for (int i : part) assertTrue(seen.add(i), p.name() + ": index " + i + " in two parts");
            }
            for (int k = 0; k < 10; k++) assertTrue(p.requiredPerClass(k) <= 6000, p.name() + " class " + k + " never exceeds 6000");
        }
        // The spec tables themselves (A1 labeled, B 1%) as seen through a split:
        assertArrayEquals(new int[] {1500, 899, 539, 323, 193, 116, 69, 41, 25, 15},
                LongTailSplit.perClass(split(SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), 0).labeled(), LABELS, 10));
        assertArrayEquals(new int[] {50, 30, 18, 11, 6, 4, 2, 1, 1, 1}, LongTailSplit.perClass(split(SplitProtocol.b(1), 0).labeled(), LABELS, 10));
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        SplitProtocol p = SplitProtocol.a2(SplitProtocol.UnlabeledProfile.CONSISTENT);
        assertEquals(split(p, 11), split(p, 11));
        LongTailSplit other = split(p, 12);
        assertFalse(Arrays.equals(split(p, 11).labeled(), other.labeled()));
        assertNotEquals(split(p, 11).id(), other.id());
    }

    /**
     * Validation is taken first, then labeled, then unlabeled, from one shuffled order per class:
     * so protocols that share a seed share the validation set, A2's labeled set (head 500) is the
     * first part of A1's (head 1500) in every class, and B 1% labeled is a prefix of B 10% labeled.
     */
    @Test
    void validationFirstThenLabeledThenUnlabeledFromOneOrderPerClass() {
        LongTailSplit a1 = split(SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), 5);
        LongTailSplit a2 = split(SplitProtocol.a2(SplitProtocol.UnlabeledProfile.CONSISTENT), 5);
        LongTailSplit b10 = split(SplitProtocol.b(10), 5);
        assertArrayEquals(a1.validation(), a2.validation());
        assertArrayEquals(a1.validation(), b10.validation());
        int[] a1Counts = a1.protocol().labeledCounts();
        int[] a2Counts = a2.protocol().labeledCounts();
        int a1At = 0, a2At = 0;
        for (int k = 0; k < 10; k++) {
            assertArrayEquals(Arrays.copyOfRange(a1.labeled(), a1At, a1At + a2Counts[k]), Arrays.copyOfRange(a2.labeled(), a2At, a2At + a2Counts[k]),
                    "class " + k);
            a1At += a1Counts[k];
            a2At += a2Counts[k];
        }
    }

    /**
     * The documented procedure, step by step with explicit counters: class k's ascending indices,
     * Fisher–Yates from the end with j = nextInt(counter, i+1) on CounterRng(seed, "semivim.split"),
     * the counter running on across classes.
     */
    @Test
    void matchesTheDocumentedCounterProcedure() {
        SplitProtocol p = SplitProtocol.b(5);
        long seed = 42;
        LongTailSplit s = split(p, seed);
        CounterRng rng = CounterRng.of(seed, "semivim.split");
        long counter = 0;
        int labeledAt = 0;
        for (int k = 0; k < 10; k++) {
            int[] order = new int[6000];
            int n = 0;
            for (int i = 0; i < LABELS.length; i++) if (LABELS[i] == k) order[n++] = i;
            for (int i = n - 1; i >= 1; i--) {
                int j = rng.nextInt(counter++, i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            assertArrayEquals(Arrays.copyOfRange(order, 0, 500), Arrays.copyOfRange(s.validation(), 500 * k, 500 * (k + 1)), "class " + k);
            int l = p.labeledCounts()[k];
            assertArrayEquals(Arrays.copyOfRange(order, 500, 500 + l), Arrays.copyOfRange(s.labeled(), labeledAt, labeledAt + l), "class " + k);
            labeledAt += l;
        }
    }

    @Test
    void tooFewImagesOfAClassIsAClearError() {
        int[] small = new int[2000];
        for (int i = 0; i < small.length; i++) small[i] = i % 10;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LongTailSplitter.split(small, "d", SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), 1, "small"));
        assertTrue(e.getMessage().contains("needs 5000 images of class 0") && e.getMessage().contains("has 200"), e.getMessage());
    }

    @Test
    void customProtocolOnSmallData() {
        SplitProtocol p = SplitProtocol.a("tiny", 4, 5, 20, 10, 30, 10);
        int[] labels = new int[240];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 4;
        LongTailSplit s = LongTailSplitter.split(labels, "d", p, 9, "tiny");
        assertArrayEquals(new int[] {20, 9, 4, 2}, LongTailSplit.perClass(s.labeled(), labels, 4));
        assertArrayEquals(new int[] {30, 13, 6, 3}, LongTailSplit.perClass(s.unlabeled(), labels, 4));
        assertEquals(20, s.validation().length);
    }
}
