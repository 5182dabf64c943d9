package org.semivim.training.ssmae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

/** The SSMAE gate, R-G1…R-G3. */
class SsmaeGateTest {
    private static final SsmaeConfig CONFIG = SsmaeConfig.defaults();

    /** Rows of 3-class probabilities: the given max at the given class, the rest split evenly. */
    static Tensor probabilities(float[] max, int[] argmax) {
        Tensor t = Tensor.zeros(max.length, 3);
        for (int r = 0; r < max.length; r++) {
            for (int c = 0; c < 3; c++) t.data[r * 3 + c] = c == argmax[r] ? max[r] : (1 - max[r]) / 2;
        }
        return t;
    }

    @Test
    void R_G1_gateIsComputedFromTheValidationPredictionsItIsGiven() {
        // 4 validation samples above 0.95: 3 correct → 75%; one low-confidence wrong sample does not count
        Tensor p = probabilities(new float[] {0.99f, 0.97f, 0.96f, 0.98f, 0.6f}, new int[] {0, 1, 2, 0, 1});
        int[] labels = {0, 1, 2, 1, 0};
        SsmaeGate.Decision d = SsmaeGate.decide(10, p, labels, CONFIG);
        assertTrue(d.evaluated());
        assertEquals(4, d.highConfidenceCount());
        assertEquals(5, d.validationCount());
        assertEquals(75.0, d.highConfidenceAccuracy(), 0.0);
        assertTrue(d.enabled());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsmaeGate.decide(10, p, new int[] {0, 1}, CONFIG));
        assertTrue(e.getMessage().contains("5 validation predictions but 2 labels"), e.getMessage());
    }

    @Test
    void R_G2_gateStaysOffBeforeEpochTenAndIsEvaluatedFromThenOn() {
        Tensor perfect = probabilities(new float[] {0.99f, 0.99f}, new int[] {0, 1});
        int[] labels = {0, 1};
        for (long e = 0; e < 10; e++) {
            assertFalse(SsmaeGate.needsValidation(e, CONFIG));
            SsmaeGate.Decision d = SsmaeGate.decide(e, perfect, labels, CONFIG);
            assertFalse(d.enabled(), "off at epoch " + e + " even with perfect predictions");
            assertFalse(d.evaluated());
            assertFalse(SsmaeGate.decide(e, null, null, CONFIG).enabled(), "no validation pass is needed before W");
        }
        assertTrue(SsmaeGate.needsValidation(10, CONFIG));
        assertTrue(SsmaeGate.decide(10, perfect, labels, CONFIG).enabled());
        assertThrows(IllegalArgumentException.class, () -> SsmaeGate.before(10, CONFIG));
    }

    @Test
    void R_G3_highConfidenceIsStrictlyAboveThresholdAndSeventyPercentOpensTheGate() {
        // max probability exactly float(0.95) is not high-confidence: HC empty → hc_acc 0 → off
        Tensor atThreshold = probabilities(new float[] {0.95f, 0.95f}, new int[] {0, 1});
        SsmaeGate.Decision empty = SsmaeGate.decide(12, atThreshold, new int[] {0, 1}, CONFIG);
        assertEquals(0, empty.highConfidenceCount());
        assertEquals(0.0, empty.highConfidenceAccuracy());
        assertFalse(empty.enabled(), "empty HC → gate off");

        // exactly 70%: 7 of 10 correct → on; 2 of 3 (66.7%) → off
        float[] high = new float[10];
        java.util.Arrays.fill(high, 0.99f);
        int[] argmax = new int[10];
        int[] labels = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
        SsmaeGate.Decision seventy = SsmaeGate.decide(11, probabilities(high, argmax), labels, CONFIG);
        assertEquals(70.0, seventy.highConfidenceAccuracy(), 0.0);
        assertTrue(seventy.enabled(), "hc_acc ≥ 70.0 opens the gate");
        SsmaeGate.Decision twoThirds = SsmaeGate.decide(11, probabilities(new float[] {0.99f, 0.99f, 0.99f}, new int[3]), new int[] {0, 0, 1}, CONFIG);
        assertFalse(twoThirds.enabled());
    }
}
