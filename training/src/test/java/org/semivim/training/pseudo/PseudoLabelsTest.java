package org.semivim.training.pseudo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

/** Pseudo-labels from teacher logits and the two threshold comparisons of R-S10. */
class PseudoLabelsTest {

    @Test
    void confidenceIsTheMaxSoftmaxProbabilityAndTheLabelItsArgmax() {
        Tensor logits = Tensor.wrap(new float[] {
                1f, 3f, 0f,          // clear argmax 1
                -2f, -2f, -5f,       // tie between 0 and 1 → 0
                0f, 0f, 0f,          // three-way tie → 0, o = 1/3
                1000f, 0f, 999f}, 4, 3);   // large logits stay finite (max subtracted)
        PseudoLabels p = PseudoLabels.fromLogits(logits);
        assertArrayEquals(new int[] {1, 0, 0, 0}, p.label());
        double e1 = Math.exp(1), e3 = Math.exp(3);
        assertEquals((float) (e3 / (e1 + e3 + 1)), p.confidenceOf(0), 0f);
        assertEquals((float) (1 / (2 + Math.exp(-3))), p.confidenceOf(1), 0f);
        assertEquals((float) (1.0 / 3), p.confidenceOf(2), 0f);
        assertEquals((float) (1 / (1 + Math.exp(-1000) + Math.exp(-1))), p.confidenceOf(3), 0f);
        Tensor probs = PseudoLabels.softmax(logits);
        for (int r = 0; r < 4; r++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) sum += probs.get(r * 3 + c);
            assertEquals(1.0, sum, 1e-6, "row " + r + " sums to 1");
        }
        assertThrows(IllegalArgumentException.class, () -> PseudoLabels.fromLogits(Tensor.wrap(new float[] {Float.NaN, 0f}, 1, 2)));
        assertThrows(IllegalArgumentException.class, () -> PseudoLabels.fromLogits(Tensor.zeros(2, 3, 1)));
    }

    @Test
    void R_S10_atLeastForFixMatchEmaTeacherProbMixupAboveForSemiVim() {
        float tau = 0.7f;
        PseudoLabels p = new PseudoLabels(new float[] {tau, Math.nextUp(tau), Math.nextDown(tau), 1f, 0f}, new int[] {0, 1, 2, 3, 4}, 5);
        boolean[] atLeast = {true, true, false, true, false};
        boolean[] above = {false, true, false, true, false};
        assertArrayEquals(atLeast, p.mask(ConfidenceThreshold.fixMatch(0.7)));
        assertArrayEquals(atLeast, p.mask(ConfidenceThreshold.emaTeacher(0.7)));
        assertArrayEquals(atLeast, p.mask(ConfidenceThreshold.probMixup(0.7)));
        assertArrayEquals(above, p.mask(ConfidenceThreshold.semiVim(0.7)));
        // tau is compared in float32: a confidence equal to float(0.95) passes '≥ 0.95' although 0.95f > 0.95 in double
        assertTrue(ConfidenceThreshold.fixMatch(0.95).passes(0.95f));
        assertFalse(ConfidenceThreshold.semiVim(0.95).passes(0.95f));
        assertThrows(IllegalArgumentException.class, () -> ConfidenceThreshold.semiVim(1.5));
    }

    @Test
    void unlabeledRowWeightsDivideByTheFullBatch() {
        boolean[] mask = {true, false, true, false, false};
        Tensor w = PseudoLabels.unlabeledRowWeights(mask);
        assertArrayEquals(new float[] {0.2f, 0f, 0.2f, 0f, 0f}, w.toArray());
        assertEquals(0.4, PseudoLabels.maskRate(mask), 1e-15);
        assertEquals(0, PseudoLabels.unlabeledRowWeights(new boolean[0]).size);
    }

    @Test
    void oneHotTargetsAndMaskedAccuracy() {
        PseudoLabels p = new PseudoLabels(new float[] {0.9f, 0.8f, 0.99f}, new int[] {2, 0, 1}, 3);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, p.oneHotTargets().toArray());
        int[] truth = {2, 1, 1};
        assertEquals(2.0 / 3, p.accuracy(truth, new boolean[] {true, true, true}), 1e-15);
        assertEquals(1.0, p.accuracy(truth, new boolean[] {true, false, true}), 0.0);
        assertTrue(Double.isNaN(p.accuracy(truth, new boolean[3])), "no kept row: undefined");
        assertThrows(IllegalArgumentException.class, () -> new PseudoLabels(new float[] {0.5f}, new int[] {3}, 3));
        assertThrows(IllegalArgumentException.class, () -> new PseudoLabels(new float[] {1.5f}, new int[] {0}, 3));
    }
}
