package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.reference.LossRef;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.toDouble;
import static org.semivim.engine.testing.FloatArrays.uniform;

/**
 * CrossEntropyLoss and MaskedMseLoss against the double formulas written out here. Tolerances: the
 * fast backend sums in double, so losses agree to 1e-6 relative; gradients of size O(1/B) to
 * rtol 1e-5 + atol 1e-8 (CpuLossOpsTest).
 */
class LossLayersTest {
    private static final int B = 9, K = 6;
    private final CrossEntropyLoss ce = new CrossEntropyLoss(Ops.cpu());

    /** (1/B) Σ_b s_b · (−Σ_k t_bk log softmax_bk) and its gradient, straight from the definition. */
    private static double[] expectedCe(Tensor logits, double[][] t, float[] s, float[] grad) {
        double loss = 0;
        for (int b = 0; b < B; b++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int k = 0; k < K; k++) max = Math.max(max, logits.data[b * K + k]);
            for (int k = 0; k < K; k++) sum += Math.exp(logits.data[b * K + k] - max);
            double sb = s == null ? 1 : s[b];
            for (int k = 0; k < K; k++) {
                double logp = logits.data[b * K + k] - max - Math.log(sum);
                loss -= sb * t[b][k] * logp / B;
                grad[b * K + k] = (float) (sb * (Math.exp(logp) - t[b][k]) / B);
            }
        }
        return new double[] {loss};
    }

    private static double[][] oneHot(int[] labels, double eps) {
        double[][] t = new double[B][K];
        for (int b = 0; b < B; b++) for (int k = 0; k < K; k++) t[b][k] = (k == labels[b] ? 1 - eps : 0) + eps / K;
        return t;
    }

    private static final int[] LABELS = {0, 5, 2, 2, 3, 1, 4, 0, 5};

    @Test
    void hardLabelsAreTheMeanNegativeLogLikelihood() {
        Tensor logits = uniform(1, -3f, 3f, B, K);
        CrossEntropyLoss.Result r = ce.hardLabels(logits, LABELS);
        float[] grad = new float[B * K];
        double loss = expectedCe(logits, oneHot(LABELS, 0), null, grad)[0];
        assertEquals(loss, r.loss(), 1e-6 * loss);
        assertClose("dlogits", grad, r.dlogits().data, 1e-5, 1e-8);
    }

    @Test
    void labelSmoothingAndMaskedSamplesFollowTimmAndFixMatch() {
        Tensor logits = uniform(2, -3f, 3f, B, K);
        float[] mask = {1, 0, 1, 1, 0, 1, 0, 0, 1}; // pseudo-label mask: the mean stays over all B
        CrossEntropyLoss.Result r = ce.hardLabels(logits, LABELS, 0.1f, Tensor.wrap(mask.clone(), B));
        float[] grad = new float[B * K];
        double loss = expectedCe(logits, oneHot(LABELS, 0.1), mask, grad)[0];
        assertEquals(loss, r.loss(), 1e-6 * loss);
        assertClose("dlogits", grad, r.dlogits().data, 1e-5, 1e-8);
        for (int k = 0; k < K; k++) assertEquals(0f, r.dlogits().data[K + k], "masked sample 1 has no gradient");
    }

    @Test
    void smoothedTargetsAreOnAndOffValues() {
        Tensor t = CrossEntropyLoss.smoothedOneHot(new int[] {2}, 1, 4, 0.1f);
        assertClose("targets", new float[] {0.025f, 0.025f, 0.925f, 0.025f}, t.data, 1e-7, 0);
    }

    @Test
    void softTargetsWithWeights() {
        Tensor logits = uniform(3, -3f, 3f, B, K);
        Tensor targets = uniform(4, 0f, 1f, B, K);
        double[][] t = new double[B][K];
        for (int b = 0; b < B; b++) {
            float s = 0;
            for (int k = 0; k < K; k++) s += targets.data[b * K + k];
            for (int k = 0; k < K; k++) t[b][k] = targets.data[b * K + k] /= s;
        }
        float[] w = {0.5f, 1, 2, 0, 1, 1, 0.25f, 3, 1};
        CrossEntropyLoss.Result r = ce.softTargets(logits, targets, Tensor.wrap(w.clone(), B));
        float[] grad = new float[B * K];
        double loss = expectedCe(logits, t, w, grad)[0];
        assertEquals(loss, r.loss(), 1e-6 * loss);
        assertClose("dlogits", grad, r.dlogits().data, 1e-5, 1e-8);
    }

    @Test
    void crossEntropyRejectsBadInput() {
        Tensor logits = Tensor.zeros(B, K);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ce.hardLabels(logits, new int[] {0, 1, 2, 3, 4, 5, 6, 0, 1}));
        assertTrue(e.getMessage().contains("label 6 of sample 6 is outside [0, 6)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ce.hardLabels(logits, new int[3]));
        assertTrue(e.getMessage().contains("expected 9 labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ce.softTargets(logits, Tensor.zeros(B, K + 1), null));
        assertTrue(e.getMessage().contains("targets: expected shape [9, 6] but got [9, 7]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ce.hardLabels(logits, LABELS, 0f, Tensor.zeros(B + 1)));
        assertTrue(e.getMessage().contains("sample weights"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ce.hardLabels(Tensor.zeros(B * K), LABELS));
        assertThrows(IllegalArgumentException.class, () -> ce.hardLabels(logits, LABELS, 1f, null));
    }

    @Test
    void maskedMseIsMaeStyle() {
        int n = 2, l = 5, p = 12;
        Tensor pred = uniform(5, -1f, 1f, n, l, p), target = uniform(6, 0f, 1f, n, l, p);
        Tensor mask = Tensor.wrap(new float[] {1, 0, 1, 1, 0, 0, 0, 1, 1, 1}, n, l);
        for (boolean normPix : new boolean[] {false, true}) {
            MaskedMseLoss.Result r = new MaskedMseLoss(Ops.cpu(), normPix).forward(pred, target, mask);
            double[] t = toDouble(target.data);
            if (normPix) LossRef.normPixTarget(toDouble(target.data), t, n * l, p);
            double sum = 0, count = 0;
            float[] grad = new float[n * l * p];
            for (int patch = 0; patch < n * l; patch++) {
                if (mask.data[patch] == 0) continue;
                double sq = 0;
                for (int j = 0; j < p; j++) sq += Math.pow(pred.data[patch * p + j] - t[patch * p + j], 2);
                sum += sq / p; // per-patch mean
                count++;
            }
            for (int patch = 0; patch < n * l; patch++) {
                for (int j = 0; j < p; j++) {
                    grad[patch * p + j] = (float) (mask.data[patch] * 2 * (pred.data[patch * p + j] - t[patch * p + j]) / (p * count));
                }
            }
            assertEquals(sum / count, r.loss(), 1e-6 * sum / count, "normPix " + normPix);
            assertClose("dpred normPix " + normPix, grad, r.dpred().data, 1e-5, 1e-8);
        }
    }

    @Test
    void normPixMatchesTheDoubleReference() {
        Tensor target = uniform(7, 0f, 1f, 3, 4, 48);
        double[] expected = new double[target.size];
        LossRef.normPixTarget(toDouble(target.data), expected, 12, 48);
        float[] e = new float[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = (float) expected[i];
        assertClose("norm_pix", e, MaskedMseLoss.normalizePatches(target).data, 0, 0); // same double math, one rounding
    }

    @Test
    void maskedMseRejectsBadShapes() {
        MaskedMseLoss loss = new MaskedMseLoss(Ops.cpu(), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.forward(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 4, 3), Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("target: expected the shape of pred [2, 3, 4] but got [2, 4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> loss.forward(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3, 4), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("mask must have 6 elements, got 8"), e.getMessage());
    }
}
