package org.semivim.training.mix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.semivim.data.mix.ProbMixup;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;

/** SSMixup and the ProbMixup glue: rules R-S1…R-S5, R-S8 (through the glue), R-S9…R-S12. */
class SsMixupTest {
    private static final int CLASSES = 4;
    private static final double TAU = 0.7;

    private static Tensor images(int n, int channels, int h, int w, long seed) {
        Tensor t = Tensor.zeros(n, channels, h, w);
        CounterRng rng = CounterRng.of(seed, "test.mix.images");
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rng.normal(i);
        return t;
    }

    /** Nine samples; rows 1, 3, 4, 6, 8 are above tau, row 5 equals tau (excluded by '>'). */
    private static PseudoLabels labels() {
        return new PseudoLabels(new float[] {0.3f, 0.9f, 0.5f, 0.75f, 0.99f, 0.7f, 0.71f, 0.2f, 0.8f},
                new int[] {0, 1, 2, 3, 0, 1, 2, 3, 1}, CLASSES);
    }

    @Test
    void R_S1_pairingIsABijectionOnTheRetainedSet() {
        SsMixup mix = new SsMixup(5, CLASSES, 0.1, TAU);
        Tensor strong = images(9, 1, 3, 3, 1);
        boolean sawNonIdentity = false;
        for (long step = 0; step < 50; step++) {
            MixedUnlabeledBatch b = mix.apply(strong, labels(), step);
            assertArrayEquals(new int[] {1, 3, 4, 6, 8}, b.rows());
            int[] partners = b.partners().clone();
            Arrays.sort(partners);
            assertArrayEquals(b.rows(), partners, "partners are a permutation of K at step " + step);
            for (int p = 0; p < b.size(); p++) sawNonIdentity |= b.partners()[p] != b.rows()[p];
            assertArrayEquals(b.partners(), mix.apply(strong, labels(), step).partners(), "a pure function of (seed, step)");
        }
        assertTrue(sawNonIdentity);
        // a self-pair gives psi = ½ and x_mix = x_i
        PseudoLabels single = new PseudoLabels(new float[] {0.1f, 0.9f}, new int[] {0, 2}, CLASSES);
        MixedUnlabeledBatch self = mix.apply(images(2, 1, 3, 3, 2), single, 7);
        assertEquals(0.5f, self.psi()[0]);
        assertArrayEquals(Arrays.copyOfRange(images(2, 1, 3, 3, 2).data, 9, 18), self.inputs().toArray());
    }

    @Test
    void R_S2_ssMixupFiltersFirstSoEveryPartnerIsConfidentWhileProbMixupMixesFirst() {
        SsMixup mix = new SsMixup(5, CLASSES, 0.1, TAU);
        PseudoLabels l = labels();
        for (long step = 0; step < 20; step++) {
            MixedUnlabeledBatch b = mix.apply(images(9, 1, 3, 3, 3), l, step);
            for (int p = 0; p < b.size(); p++) {
                assertTrue(l.confidenceOf(b.rows()[p]) > (float) TAU && l.confidenceOf(b.partners()[p]) > (float) TAU, "row and partner have o > tau");
            }
        }
        // ProbMixup mixes every row first; a row with low o_i is kept when its partner is confident
        PseudoLabels even = new PseudoLabels(new float[] {0.1f, 0.95f, 0.2f, 0.3f, 0.9f, 0.05f}, new int[] {0, 1, 2, 3, 0, 1}, CLASSES);
        boolean keptLowRow = false;
        for (long step = 0; step < 20; step++) {
            MixedUnlabeledBatch b = MixedUnlabeledBatch.probMixup(new ProbMixup(5, CLASSES, 0.1, TAU), images(6, 1, 4, 4, 4), even, step);
            assertEquals(6, b.size(), "all rows are mixed");
            for (int i = 0; i < 6; i++) {
                boolean counted = b.rowWeights().get(i) != 0f;
                float maxO = Math.max(even.confidenceOf(i), even.confidenceOf(b.partners()[i]));
                assertEquals(maxO >= (float) TAU, counted, "mask = max(o_i, o_j) ≥ tau, row " + i);
                keptLowRow |= counted && even.confidenceOf(i) < (float) TAU;
            }
        }
        assertTrue(keptLowRow);
    }

    @Test
    void R_S3_strongViewsAreMixedLinearlyWithPsiFromTheWeakViewConfidences() {
        Tensor strong = images(9, 2, 3, 4, 5);
        float[] before = strong.toArray();
        PseudoLabels l = labels();                    // from the teacher on the weak views
        MixedUnlabeledBatch b = new SsMixup(9, CLASSES, 0.1, TAU).apply(strong, l, 3);
        assertArrayEquals(before, strong.toArray(), "the strong views are not modified");
        int per = 2 * 3 * 4;
        assertArrayEquals(new int[] {5, 2, 3, 4}, b.inputs().shape());
        for (int p = 0; p < b.size(); p++) {
            int i = b.rows()[p], j = b.partners()[p];
            double psi = (double) l.confidenceOf(i) / ((double) l.confidenceOf(i) + l.confidenceOf(j));
            assertEquals((float) psi, b.psi()[p], 0f, "psi = o_i/(o_i + o_j) (Eq. 12)");
            for (int e = 0; e < per; e++) {
                float expected = (float) psi * before[i * per + e] + (float) (1 - psi) * before[j * per + e];
                assertEquals(expected, b.inputs().get(p * per + e), 0f, "x_mix (Eq. 13) row " + p + " element " + e);
            }
        }
    }

    @Test
    void R_S4_rowWeightsUseTheFullUnlabeledBatchAndAnEmptyRetainedSetGivesNoRows() {
        MixedUnlabeledBatch b = new SsMixup(5, CLASSES, 0.1, TAU).apply(images(9, 1, 3, 3, 6), labels(), 0);
        for (int p = 0; p < b.size(); p++) assertEquals(1f / 9, b.rowWeights().get(p), 0f, "1/B_u, not 1/|K|");
        assertEquals(5.0 / 9, b.maskRate(), 1e-15);
        // the loss over the rows: (1/B_u) Σ_K CE_soft, through the engine's loss
        Tensor logits = images(5, 1, 1, CLASSES, 7).reshape(5, CLASSES);
        double loss = Ops.reference().loss().softmaxCrossEntropy(logits, b.targets(), b.rowWeights(), Tensor.zeros(5, CLASSES));
        double expected = 0;
        for (int p = 0; p < 5; p++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < CLASSES; c++) max = Math.max(max, logits.get(p * CLASSES + c));
            for (int c = 0; c < CLASSES; c++) sum += Math.exp(logits.get(p * CLASSES + c) - max);
            for (int c = 0; c < CLASSES; c++) expected -= b.targets().get(p * CLASSES + c) * (logits.get(p * CLASSES + c) - max - Math.log(sum)) / 9;
        }
        assertEquals(expected, loss, 1e-6);

        PseudoLabels unsure = new PseudoLabels(new float[] {0.3f, 0.7f, 0.5f}, new int[] {0, 1, 2}, CLASSES);
        MixedUnlabeledBatch empty = new SsMixup(5, CLASSES, 0.1, TAU).apply(images(3, 1, 3, 3, 8), unsure, 0);
        assertTrue(empty.isEmpty());
        assertArrayEquals(new int[] {0, 1, 3, 3}, empty.inputs().shape());
        assertArrayEquals(new int[] {0, CLASSES}, empty.targets().shape());
        assertEquals(0.0, empty.maskRate());
        assertThrows(IllegalArgumentException.class, () -> SsMixup.withHiddenStateTerm(ForwardMode.eval(), empty, 0.1f, 2),
                "no forward on an empty batch: L_u = 0");
    }

    @Test
    void R_S5_targetsMixLabelSmoothedOneHotsWithPsi() {
        MixedUnlabeledBatch b = new SsMixup(5, CLASSES, 0.1, TAU).apply(images(9, 1, 3, 3, 9), labels(), 4);
        PseudoLabels l = labels();
        double off = 0.1 / CLASSES, on = 1 - 0.1 + off;
        for (int p = 0; p < b.size(); p++) {
            double psi = (double) l.confidenceOf(b.rows()[p]) / (l.confidenceOf(b.rows()[p]) + (double) l.confidenceOf(b.partners()[p]));
            double sum = 0;
            for (int c = 0; c < CLASSES; c++) {
                double q = off + (c == l.labelOf(b.rows()[p]) ? psi * (on - off) : 0) + (c == l.labelOf(b.partners()[p]) ? (1 - psi) * (on - off) : 0);
                assertEquals((float) q, b.targets().get(p * CLASSES + c), 0f, "row " + p + " class " + c);
                sum += b.targets().get(p * CLASSES + c);
            }
            assertEquals(1.0, sum, 1e-6);
        }
        // ProbMixup's targets use the same smoothing (data module), so the two differ only in how they mix
        PseudoLabels even = new PseudoLabels(new float[] {0.9f, 0.8f}, new int[] {2, 2}, CLASSES);
        MixedUnlabeledBatch pm = MixedUnlabeledBatch.probMixup(new ProbMixup(1, CLASSES, 0.1, TAU), images(2, 1, 4, 4, 10), even, 0);
        assertEquals((float) on, pm.targets().get(2), 1e-6f);
        assertEquals((float) off, pm.targets().get(0), 1e-6f);
    }

    @Test
    void R_S8_hiddenStateTermWithZeroNuLeavesTheStudentForwardUnchanged() {
        VimConfig cfg = VimConfig.fromMap(Map.of("img_size", 8, "patch_size", 4, "stride", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "d_state", 4, "d_conv", 3, "num_classes", CLASSES));
        VisionMamba model = new VisionMamba(cfg, Ops.cpu());
        model.initialize(3);
        MixedUnlabeledBatch b = new SsMixup(5, CLASSES, 0.1, TAU).apply(images(9, 1, 8, 8, 11), labels(), 2);
        float[] plain = model.forward(b.inputs(), ForwardMode.eval()).logits().toArray();
        float[] zeroNu = model.forward(b.inputs(), SsMixup.withHiddenStateTerm(ForwardMode.eval(), b, 0f, 2)).logits().toArray();
        assertArrayEquals(plain, zeroNu, "nu = 0: the SSMixup forward is the plain forward");
        float[] withNu = model.forward(b.inputs(), SsMixup.withHiddenStateTerm(ForwardMode.eval(), b, 0.5f, 2)).logits().toArray();
        assertFalse(Arrays.equals(plain, withNu), "the glue passes the rows' psi to the model, and the term changes the logits");
    }

    @Test
    void R_S9_ssMixupNeedsABidirectionalVimBackbone() {
        SsMixup.requireSsmBackbone(new ModelSpec.Vim(VimConfig.preset("vim-fmnist-tiny")));
        IllegalArgumentException vit = assertThrows(IllegalArgumentException.class,
                () -> SsMixup.requireSsmBackbone(new ModelSpec.Vit(VitConfig.preset(VitConfig.presetNames().get(0)))));
        assertTrue(vit.getMessage().contains("ProbMixup") && vit.getMessage().contains("Vit"), vit.getMessage());
        VimConfig uni = VimConfig.preset("vim-fmnist-tiny").withOverrides(Map.of("bimamba", "none"));
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> SsMixup.requireSsmBackbone(new ModelSpec.Vim(uni)));
        assertTrue(one.getMessage().contains("unidirectional"), one.getMessage());
    }

    @Test
    void R_S11_probMixupCutMixRowsCarryTheAreaCorrectedPsi() {
        int h = 8, w = 8;
        Tensor strong = images(6, 1, h, w, 12);
        PseudoLabels l = new PseudoLabels(new float[] {0.9f, 0.6f, 0.8f, 0.3f, 0.7f, 0.95f}, new int[] {0, 1, 2, 3, 0, 1}, CLASSES);
        int cutRows = 0;
        for (long step = 0; step < 10; step++) {
            MixedUnlabeledBatch b = MixedUnlabeledBatch.probMixup(new ProbMixup(3, CLASSES, 0.1, TAU), strong, l, step);
            for (int i = 0; i < 6; i++) {
                int j = b.partners()[i];
                if (j == i) continue;
                int fromPartner = 0, fromSelf = 0, blended = 0;
                for (int e = 0; e < h * w; e++) {
                    float x = b.inputs().get(i * h * w + e);
                    if (x == strong.get(j * h * w + e)) fromPartner++;
                    else if (x == strong.get(i * h * w + e)) fromSelf++;
                    else blended++;
                }
                if (blended == 0 && fromPartner > 0) {      // a CutMix row: pixels are copied, not blended
                    cutRows++;
                    assertEquals((float) (1 - (double) fromPartner / (h * w)), b.psi()[i], 1e-6f, "psi = 1 − box area/(H·W), row " + i);
                }
            }
        }
        assertTrue(cutRows > 0, "some rows use CutMix");
    }

    @Test
    void R_S12_probMixupNeedsAnEvenBatchWhileSsMixupDoesNot() {
        PseudoLabels odd = new PseudoLabels(new float[] {0.9f, 0.8f, 0.75f}, new int[] {0, 1, 2}, CLASSES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MixedUnlabeledBatch.probMixup(new ProbMixup(1, CLASSES, 0.1, TAU), images(3, 1, 4, 4, 13), odd, 0));
        assertTrue(e.getMessage().contains("R-S12"), e.getMessage());
        MixedUnlabeledBatch b = new SsMixup(1, CLASSES, 0.1, TAU).apply(images(3, 1, 4, 4, 13), odd, 0);
        assertEquals(3, b.size(), "odd B_u and odd |K| are fine for SSMixup");
    }

    @Test
    void badInputsAreRefusedWithTheirShapes() {
        SsMixup mix = new SsMixup(1, CLASSES, 0.1, TAU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mix.apply(images(8, 1, 3, 3, 1), labels(), 0));
        assertTrue(e.getMessage().contains("8 strong views") && e.getMessage().contains("9 pseudo-labels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mix.apply(Tensor.zeros(9, 9), labels(), 0));
        assertThrows(IllegalArgumentException.class,
                () -> new SsMixup(1, 3, 0.1, TAU).apply(images(9, 1, 3, 3, 1), labels(), 0), "class count mismatch");
    }
}
