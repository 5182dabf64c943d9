package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.ops.CpuNormOpsTest.expectMessage;
import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.assertSameBits;
import static org.semivim.engine.testing.FloatArrays.uniform;

/**
 * {@link CpuLossOps} against {@link ReferenceLossOps}.
 *
 * <p>Tolerances. Both sum the loss in double from the same float inputs; the fast path forms
 * logit − max and d = pred − target in float (exact or 1 ulp), so the losses agree to rtol 1e-6.
 * Gradients are float expressions of O(1/R) size rounded a few times: rtol 1e-5 with atol 1e-8
 * (CE, entries ~1/R·(p − t)) or 1e-9 (MSE, entries ~2·d/(P·Σmask)).
 */
class CpuLossOpsTest {
    private final LossOps cpu = new CpuLossOps();
    private final LossOps ref = new ReferenceLossOps();
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** Random soft targets (rows sum to 1), weights 1/R with every fifth row masked out. */
    private static Tensor[] ceInputs(int rows, int classes, long seed) {
        Tensor logits = uniform(seed, -6f, 6f, rows, classes);
        Tensor targets = uniform(seed + 1, 0f, 1f, rows, classes);
        for (int r = 0; r < rows; r++) {
            float s = 0;
            for (int k = 0; k < classes; k++) s += targets.data[r * classes + k];
            for (int k = 0; k < classes; k++) targets.data[r * classes + k] /= s;
        }
        Tensor weights = Tensor.zeros(rows);
        for (int r = 0; r < rows; r++) weights.data[r] = r % 5 == 4 ? 0f : 1f / rows;
        return new Tensor[] {logits, targets, weights};
    }

    private void compareCe(int rows, int classes, long seed) {
        Tensor[] in = ceInputs(rows, classes, seed);
        Tensor dC = uniform(seed + 2, -0.01f, 0.01f, rows, classes), dR = dC.copy();
        double lossC = cpu.softmaxCrossEntropy(in[0], in[1], in[2], dC);
        double lossR = ref.softmaxCrossEntropy(in[0], in[1], in[2], dR);
        String at = " [" + rows + "," + classes + "]";
        assertEquals(lossR, lossC, 1e-6 * Math.abs(lossR), "CE loss" + at);
        assertClose("CE dlogits" + at, dR.data, dC.data, 1e-5, 1e-8);
    }

    private void compareMse(int rows, int width, long seed) {
        Tensor pred = uniform(seed, -2f, 2f, rows, width), target = uniform(seed + 1, -2f, 2f, rows, width);
        Tensor mask = Tensor.zeros(rows);
        for (int r = 0; r < rows; r++) mask.data[r] = r % 4 == 0 ? 0f : 1f; // MAE: 1 = masked-out patch, counts
        Tensor dC = Tensor.zeros(rows, width), dR = Tensor.zeros(rows, width);
        double lossC = cpu.maskedMse(pred, target, mask, dC);
        double lossR = ref.maskedMse(pred, target, mask, dR);
        String at = " [" + rows + "," + width + "]";
        assertEquals(lossR, lossC, 1e-6 * Math.abs(lossR), "MSE loss" + at);
        assertClose("MSE dpred" + at, dR.data, dC.data, 1e-5, 1e-9);
    }

    @Test
    void crossEntropyMatchesReferenceOnOddAndLargeSizes() {
        compareCe(37, 29, 600);
        compareCe(1, 1, 610);
        compareCe(3000, 192, 620);
    }

    @Test
    void maskedMseMatchesReferenceOnOddAndLargeSizes() {
        compareMse(37, 29, 700);
        compareMse(3000, 192, 710);
    }

    @Test
    void crossEntropyWithExtremeLogitsStaysFinite() {
        for (LossOps ops : new LossOps[] {cpu, ref}) {
            Tensor logits = Tensor.wrap(new float[] {1e4f, 0f, -1e4f, 5f, -3e4f, 2e4f}, 2, 3);
            Tensor targets = Tensor.wrap(new float[] {0f, 1f, 0f, 0.5f, 0.5f, 0f}, 2, 3);
            Tensor dlogits = Tensor.zeros(2, 3);
            double loss = ops.softmaxCrossEntropy(logits, targets, Tensor.wrap(new float[] {0.5f, 0.5f}, 2), dlogits);
            // row 0: −log p_1 = 1e4; row 1: 0.5·(2e4 − 5) + 0.5·(2e4 + 3e4)
            assertEquals(0.5 * 1e4 + 0.5 * (0.5 * (2e4 - 5) + 0.5 * 5e4), loss, 1e-6);
            for (float g : dlogits.data) assertTrue(Float.isFinite(g));
            assertClose("extreme dlogits", new float[] {0.5f, -0.5f, 0f, -0.25f, -0.25f, 0.5f}, dlogits.data, 0, 1e-7);
        }
    }

    @Test
    void maskedMseWithNothingSelectedIsZero() {
        for (LossOps ops : new LossOps[] {cpu, ref}) {
            Tensor dpred = Tensor.zeros(3, 4);
            assertEquals(0.0, ops.maskedMse(uniform(1, -1f, 1f, 3, 4), Tensor.zeros(3, 4), Tensor.zeros(3), dpred));
            assertSameBits("no gradient", new float[12], dpred.data);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Tensor[] in = ceInputs(3000, 192, 800);
        double[] losses = new double[2];
        float[][] grads = new float[2][];
        int[] threads = {1, 3};
        for (int i = 0; i < 2; i++) {
            Parallel.setThreads(threads[i]);
            Tensor d = Tensor.zeros(3000, 192), dm = Tensor.zeros(3000, 192);
            losses[i] = cpu.softmaxCrossEntropy(in[0], in[1], in[2], d)
                    + 1e3 * cpu.maskedMse(in[0], in[1], in[2], dm);
            grads[i] = new float[2 * d.size];
            System.arraycopy(d.data, 0, grads[i], 0, d.size);
            System.arraycopy(dm.data, 0, grads[i], d.size, dm.size);
        }
        assertEquals(Double.doubleToRawLongBits(losses[0]), Double.doubleToRawLongBits(losses[1]), "loss bits");
        assertSameBits("loss gradients with 1 vs 3 threads", grads[0], grads[1]);
    }

    @Test
    void badShapesAreRejectedWithClearMessages() {
        for (LossOps ops : new LossOps[] {cpu, ref}) {
            expectMessage(() -> ops.softmaxCrossEntropy(Tensor.zeros(4, 3), Tensor.zeros(4, 2), Tensor.zeros(4), Tensor.zeros(4, 3)),
                    "softmaxCrossEntropy", "targets must have the shape of logits [4, 3], got [4, 2]");
            expectMessage(() -> ops.softmaxCrossEntropy(Tensor.zeros(4, 3), Tensor.zeros(4, 3), Tensor.zeros(5), Tensor.zeros(4, 3)),
                    "rowWeights must have 4 elements, got 5");
            expectMessage(() -> ops.maskedMse(Tensor.zeros(2, 3, 5), Tensor.zeros(2, 3, 5), Tensor.zeros(2, 2), Tensor.zeros(2, 3, 5)),
                    "maskedMse", "mask must have 6 elements, got 4");
            expectMessage(() -> ops.maskedMse(Tensor.zeros(2, 5), Tensor.zeros(2, 5), Tensor.zeros(2), Tensor.zeros(5, 2)),
                    "dpred must have the shape of pred [2, 5], got [5, 2]");
        }
    }
}
