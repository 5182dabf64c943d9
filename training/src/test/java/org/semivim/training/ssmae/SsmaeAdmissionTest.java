package org.semivim.training.ssmae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.engine.tensor.Tensor;

/** SSMAE admission and memory (R-G4, R-G5) and the classification batch (R-G6, R-G7). */
class SsmaeAdmissionTest {
    private static final SsmaeConfig CONFIG = SsmaeConfig.defaults();
    @TempDir Path dir;

    /** An in-memory map with the memory's contract: first label wins, never removed. */
    private static final class MapMemory implements SsmaeAdmission.MemorisedLabels, SsmaeAdmission.Admitter {
        final Map<Integer, Integer> labels = new HashMap<>();

        @Override
        public OptionalInt labelOf(int sampleIndex) {
            Integer l = labels.get(sampleIndex);
            return l == null ? OptionalInt.empty() : OptionalInt.of(l);
        }

        @Override
        public boolean admit(int sampleIndex, int label, float confidence, long epoch) {
            return labels.putIfAbsent(sampleIndex, label) == null;
        }
    }

    private static Tensor probs(float[] max, int[] argmax) {
        return SsmaeGateTest.probabilities(max, argmax);
    }

    @Test
    void R_G4_admissionNeedsTheGateBothViewsStrictlyConfidentAndAgreeing() {
        int[] samples = {10, 11, 12, 13, 14, 15};
        Tensor weak = probs(new float[] {0.99f, 0.99f, 0.95f, 0.99f, 0.97f, 0.999f}, new int[] {0, 1, 2, 0, 1, 2});
        Tensor strong = probs(new float[] {0.98f, 0.99f, 0.99f, 0.95f, 0.97f, 0.999f}, new int[] {0, 2, 2, 0, 1, 2});
        MapMemory memory = new MapMemory();
        SsmaeAdmission.Admission a = SsmaeAdmission.decide(samples, weak, strong, true, memory, CONFIG);
        // 10: both > 0.95 and agree → in; 11: argmaxes disagree → never; 12: weak = 0.95 (not >) → out;
        // 13: strong = 0.95 → out; 14: both 0.97, agree → in; 15 → in
        assertEquals(List.of(10, 14, 15), a.pairs().stream().map(SsmaeAdmission.PseudoPair::sampleIndex).toList());
        assertEquals(List.of(0, 1, 2), a.pairs().stream().map(SsmaeAdmission.PseudoPair::label).toList());
        assertEquals(0.99f, a.pairs().get(0).confidence(), "the weak-view confidence is recorded");
        assertTrue(a.pairs().stream().allMatch(SsmaeAdmission.PseudoPair::newlyAdmitted));

        SsmaeAdmission.Admission closed = SsmaeAdmission.decide(samples, weak, strong, false, memory, CONFIG);
        assertEquals(0, closed.size(), "gate off: nothing new is admitted");

        // a sample drawn twice in the batch is admitted once, its second row reuses the label
        SsmaeAdmission.Admission twice = SsmaeAdmission.decide(new int[] {7, 7}, probs(new float[] {0.99f, 0.99f}, new int[] {1, 2}),
                probs(new float[] {0.99f, 0.99f}, new int[] {1, 2}), true, memory, CONFIG);
        assertEquals(1, twice.newlyAdmitted().size());
        assertEquals(List.of(1, 1), twice.pairs().stream().map(SsmaeAdmission.PseudoPair::label).toList());
    }

    @Test
    void R_G5_memorisedLabelsArePermanentAndUsedAfterTheGateTurnsOff() throws IOException {
        try (PseudoLabelMemory memory = PseudoLabelMemory.open(dir.resolve("ssmae-memory.cm"), 100, 3)) {
            int[] samples = {3, 4, 5, 6};
            // epoch 10, gate on: 3 and 5 are admitted
            Tensor weak = probs(new float[] {0.99f, 0.5f, 0.98f, 0.9f}, new int[] {1, 0, 2, 0});
            Tensor strong = probs(new float[] {0.99f, 0.99f, 0.97f, 0.99f}, new int[] {1, 0, 2, 0});
            SsmaeAdmission.Admission first = SsmaeAdmission.decide(samples, weak, strong, true, memory::labelOf, CONFIG);
            assertEquals(2, SsmaeAdmission.commit(first, memory::admit, 10));
            assertEquals(2, memory.size());
            long size = memory.size();

            // later epochs: the model now confidently predicts other classes for 3 and 5; the gate flips
            Tensor changedWeak = probs(new float[] {0.99f, 0.99f, 0.99f, 0.99f}, new int[] {0, 1, 0, 2});
            for (long epoch = 11; epoch < 16; epoch++) {
                boolean gate = epoch % 2 == 0;
                SsmaeAdmission.Admission a = SsmaeAdmission.decide(samples, changedWeak, changedWeak, gate, memory::labelOf, CONFIG);
                Map<Integer, Integer> used = new HashMap<>();
                for (SsmaeAdmission.PseudoPair p : a.pairs()) used.put(p.sampleIndex(), p.label());
                assertEquals(1, used.get(3), "memorised label of 3 is used and never revised (epoch " + epoch + ", gate " + gate + ")");
                assertEquals(2, used.get(5));
                SsmaeAdmission.commit(a, memory::admit, epoch);
                assertTrue(memory.size() >= size, "the memory never shrinks");
                size = memory.size();
                assertEquals(OptionalInt.of(1), memory.labelOf(3));
            }
            assertEquals(4, memory.size(), "4 and 6 were admitted when the gate was on");
        }
    }

    @Test
    void R_G6_pseudoLabeledRowsTrainOnThisStepsWeakViews() {
        Tensor labeled = Tensor.wrap(new float[] {1, 1, 1, 1, 2, 2, 2, 2}, 2, 1, 2, 2);
        Tensor weakViews = Tensor.wrap(new float[] {10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30}, 3, 1, 2, 2);
        SsmaeAdmission.Admission a = new SsmaeAdmission.Admission(List.of(
                new SsmaeAdmission.PseudoPair(2, 42, 1, true, 0.99f), new SsmaeAdmission.PseudoPair(0, 40, 2, false, Float.NaN)));
        SsmaeClassificationBatch b = SsmaeClassificationBatch.assemble(labeled, new int[] {0, 1}, weakViews, a);
        assertArrayEquals(new int[] {4, 1, 2, 2}, b.images().shape());
        assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 30, 30, 30, 30, 10, 10, 10, 10}, b.images().toArray(),
                "labeled images, then the weak views of the pseudo-labeled rows in admission order");
        assertArrayEquals(new int[] {0, 1, 1, 2}, b.labels());
    }

    @Test
    void R_G7_classificationLossIsThePlainMeanOverLabeledAndAdmittedAndAddsToMae() {
        Tensor labeled = Tensor.zeros(3, 1, 2, 2);
        Tensor weakViews = Tensor.zeros(5, 1, 2, 2);
        SsmaeAdmission.Admission a = new SsmaeAdmission.Admission(List.of(
                new SsmaeAdmission.PseudoPair(1, 1, 0, true, 0.99f), new SsmaeAdmission.PseudoPair(4, 4, 2, false, Float.NaN)));
        SsmaeClassificationBatch b = SsmaeClassificationBatch.assemble(labeled, new int[] {0, 1, 2}, weakViews, a);
        for (int r = 0; r < 5; r++) assertEquals(0.2f, b.rowWeights().get(r), 0f, "every row weighs 1/(B_l + P)");
        assertEquals(1.5 + 0.7, SsmaeClassificationBatch.totalLoss(1.5, 0.7, CONFIG), 0.0, "L = L_mae + 1.0·L_cls");
        assertEquals(1.0, CONFIG.classificationWeight());
        assertArrayEquals(new float[] {0, 0, 1}, java.util.Arrays.copyOfRange(b.oneHotTargets(3).toArray(), 12, 15));
        SsmaeClassificationBatch none = SsmaeClassificationBatch.assemble(labeled, new int[] {0, 1, 2}, weakViews, new SsmaeAdmission.Admission(List.of()));
        assertEquals(3, none.labels().length);
        assertEquals(1f / 3, none.rowWeights().get(0), 0f);
        assertFalse(none.images().size == 0);
    }
}
