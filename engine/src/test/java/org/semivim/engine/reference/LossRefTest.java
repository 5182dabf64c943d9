package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.semivim.engine.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.testing.FloatArrays.uniformDoubles;

/** Finite-difference checks (double) and known values of the loss references. */
class LossRefTest {
    private static final int ROWS = 6, CLASSES = 5, WIDTH = 7;

    private static double[] softTargets(long seed) {
        double[] t = uniformDoubles(seed, 0.01, 1, ROWS * CLASSES);
        for (int r = 0; r < ROWS; r++) {
            double s = 0;
            for (int k = 0; k < CLASSES; k++) s += t[r * CLASSES + k];
            for (int k = 0; k < CLASSES; k++) t[r * CLASSES + k] /= s;
        }
        return t;
    }

    /** (1 − eps)·onehot + eps/K, written out here independently of the layer that builds it. */
    private static double[] smoothedOneHot(int[] labels, double eps) {
        double[] t = new double[ROWS * CLASSES];
        for (int r = 0; r < ROWS; r++) {
            for (int k = 0; k < CLASSES; k++) t[r * CLASSES + k] = (k == labels[r] ? 1 - eps : 0) + eps / CLASSES;
        }
        return t;
    }

    private static void checkCe(String what, double[] targets, double[] weights) {
        double[] logits = uniformDoubles(11, -4, 4, ROWS * CLASSES);
        double[] dlogits = new double[ROWS * CLASSES];
        LossRef.softmaxCrossEntropy(logits, targets, weights, dlogits, ROWS, CLASSES);
        GradCheck.check(what, logits, dlogits,
                l -> LossRef.softmaxCrossEntropy(l, targets, weights, null, ROWS, CLASSES));
    }

    @Test
    void crossEntropyGradientsMatchFiniteDifferences() {
        double[] weights = {0.2, 0, 0.15, 1.0 / 6, 0.05, 0.3}; // e.g. mask/B with one masked-out row
        int[] labels = {0, 4, 2, 2, 1, 3};
        checkCe("CE soft targets", softTargets(12), weights);
        checkCe("CE hard labels", smoothedOneHot(labels, 0), weights);
        checkCe("CE label smoothing 0.1", smoothedOneHot(labels, 0.1), weights);
        double[] unnormalised = uniformDoubles(13, 0, 2, ROWS * CLASSES); // Σ_k t ≠ 1: the softmax term scales by Σ t
        checkCe("CE unnormalised targets", unnormalised, weights);
    }

    @Test
    void crossEntropyMatchesLogSoftmaxByHand() {
        double[] logits = {1, 2, 3};
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double[] dlogits = new double[3];
        double loss = LossRef.softmaxCrossEntropy(logits, new double[] {0, 1, 0}, new double[] {0.5}, dlogits, 1, 3);
        assertEquals(0.5 * (lse - 2), loss, 1e-15);
        assertEquals(0.5 * Math.exp(1 - lse), dlogits[0], 1e-15);
        assertEquals(0.5 * (Math.exp(2 - lse) - 1), dlogits[1], 1e-15);
    }

    @Test
    void crossEntropyWithAnExtremeLogitStaysFinite() {
        double[] logits = {1e4, 0, -3, 1e4 - 1};
        double[] dlogits = new double[4];
        double loss = LossRef.softmaxCrossEntropy(logits, new double[] {0, 1, 0, 0}, new double[] {1}, dlogits, 1, 4);
        double lse = 1e4 + Math.log1p(Math.exp(-1)); // the other terms are below 1e-4000
        assertEquals(lse, loss, 1e-9);
        for (double g : dlogits) assertTrue(Double.isFinite(g));
        assertEquals(-1.0, dlogits[1], 1e-15);
        assertEquals(1 / (1 + Math.exp(-1)), dlogits[0], 1e-15);
    }

    @Test
    void maskedMseGradientsMatchFiniteDifferences() {
        double[] target = uniformDoubles(21, -1, 1, ROWS * WIDTH);
        for (double[] mask : new double[][] {{1, 0, 1, 1, 0, 0}, {0.5, 1, 0, 2, 0.25, 1}}) {
            double[] pred = uniformDoubles(22, -1, 1, ROWS * WIDTH);
            double[] dpred = new double[ROWS * WIDTH];
            LossRef.maskedMse(pred, target, mask, dpred, ROWS, WIDTH);
            GradCheck.check("masked MSE", pred, dpred, p -> LossRef.maskedMse(p, target, mask, null, ROWS, WIDTH));
        }
    }

    @Test
    void maskedMseWithNormPixTargetGradientsMatchFiniteDifferences() {
        double[] raw = uniformDoubles(23, 0, 1, ROWS * WIDTH);
        double[] target = new double[ROWS * WIDTH];
        LossRef.normPixTarget(raw, target, ROWS, WIDTH);
        double[] mask = {0, 1, 1, 0, 1, 1};
        double[] pred = uniformDoubles(24, -2, 2, ROWS * WIDTH);
        double[] dpred = new double[ROWS * WIDTH];
        LossRef.maskedMse(pred, target, mask, dpred, ROWS, WIDTH);
        GradCheck.check("masked MSE norm_pix", pred, dpred, p -> LossRef.maskedMse(p, target, mask, null, ROWS, WIDTH));
    }

    @Test
    void maskedMseIsTheMeanOverSelectedPatchesOfThePerPatchMean() {
        double[] pred = {1, 2, 3, 5, 10, 10};
        double[] target = {0, 0, 0, 0, 0, 0};
        double[] dpred = new double[6];
        // patches (rows of 2): [1,2] → 2.5, [3,5] → 17 (not selected), [10,10] → 100; mean of 2.5 and 100
        double loss = LossRef.maskedMse(pred, target, new double[] {1, 0, 1}, dpred, 3, 2);
        assertEquals((2.5 + 100) / 2, loss, 1e-12);
        assertArrayEquals(new double[] {0.5, 1, 0, 0, 5, 5}, dpred, 1e-15); // 2·d/(P·Σmask) = d/2
    }

    @Test
    void maskedMseWithNothingSelectedIsZero() {
        double[] dpred = new double[4];
        assertEquals(0.0, LossRef.maskedMse(new double[] {1, 2, 3, 4}, new double[4], new double[2], dpred, 2, 2), 0.0);
        assertArrayEquals(new double[4], dpred, 0.0);
    }

    @Test
    void normPixUsesThePatchMeanAndUnbiasedVariance() {
        double[] t = {1, 2, 3, 4, 5, 5, 5, 5};
        double[] out = new double[8];
        LossRef.normPixTarget(t, out, 2, 4);
        double var = (2.25 + 0.25 + 0.25 + 2.25) / 3; // torch var(dim=-1) is unbiased
        double s = Math.sqrt(var + 1e-6);
        assertArrayEquals(new double[] {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0}, out, 1e-15);
        assertThrows(IllegalArgumentException.class, () -> LossRef.normPixTarget(new double[2], new double[2], 2, 1));
    }
}
