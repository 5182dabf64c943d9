package org.semivim.training.method;

import org.junit.jupiter.api.Test;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;

import static org.junit.jupiter.api.Assertions.*;

class MixedPseudoLabelLossTest {
    private static final int K = 3, BL = 2, BU = 6;

    private static StepViews views() {
        Tensor lw = Tensor.zeros(BL, 1, 8, 8), uw = Tensor.zeros(BU, 1, 8, 8), us = Tensor.zeros(BU, 1, 8, 8);
        for (int r = 0; r < BU; r++) us.slice0(r).fill(10 * r);
        StepBatch batch = new StepBatch(5, new int[] {0, 1}, new int[] {2, 3, 4, 5, 6, 7}, 10, 30, 2);
        return new StepViews(batch, lw, new int[] {0, 2}, uw, us);
    }

    private static PseudoLabels labels() {
        return new PseudoLabels(new float[] {0.9f, 0.7f, 0.2f, 0.95f, 0.71f, 0.1f}, new int[] {0, 1, 2, 0, 1, 2}, K);
    }

    @Test
    void ssMixupFiltersWithAboveMixesAndCarriesPsiIntoTheStudentForward() {
        Composition c = MixedPseudoLabelLoss.ssMixup(1, K, 0.1, 0.7, 5.0, 0.1, 2).compose(views(), labels());
        assertArrayEquals(new boolean[] {true, false, false, true, true, false}, c.mask(), "K = {o > 0.7}; 0.7 itself is out");
        LossTerm u = c.terms().get(1);
        assertEquals(3, u.rows());
        for (float w : u.rowWeights()) assertEquals(1f / BU, w);
        assertEquals(5f, u.lossWeight());
        assertNotNull(u.ssMixup());
        assertEquals(3, u.ssMixup().psi().length);
        ForwardMode mode = u.forwardMode(1, 5, 0);
        assertNotNull(mode.ssMixup());
        assertEquals(0.1f, mode.ssMixup().nu());
        assertEquals(2, mode.ssMixup().layers());
        assertArrayEquals(u.ssMixup().psi(), mode.ssMixup().psi());
        for (int r = 0; r < 3; r++) {
            float sum = 0;
            for (int k = 0; k < K; k++) sum += u.targets().get(r * K + k);
            assertEquals(1f, sum, 1e-6f, "soft targets sum to 1");
        }
        LossTerm x = c.terms().get(0);
        assertNull(x.ssMixup(), "no SSMixup term on labeled rows (R-S9)");
        assertEquals(1f - 0.1f + 0.1f / K, x.targets().get(0), 1e-7f, "L_x is label-smoothed");
    }

    @Test
    void probMixupMixesFirstAndKeepsOnlyTheRowsThatCount() {
        Composition c = MixedPseudoLabelLoss.probMixup(1, K, 0.1, 0.7, 5.0).compose(views(), labels());
        boolean[] mask = c.mask();
        LossTerm u = c.terms().get(1);
        int counted = 0;
        for (boolean m : mask) if (m) counted++;
        assertEquals(counted, u.rows());
        assertTrue(counted >= 3, "rows whose own o ≥ tau always count (max(o_i, o_j) ≥ o_i)");
        assertTrue(mask[0] && mask[1] && mask[3] && mask[4], "o = 0.7 passes ≥");
        assertNull(u.ssMixup(), "ProbMixup has no hidden-state term");
        for (float w : u.rowWeights()) assertEquals(1f / BU, w);
        Composition again = MixedPseudoLabelLoss.probMixup(1, K, 0.1, 0.7, 5.0).compose(views(), labels());
        assertArrayEquals(u.images().toArray(), again.terms().get(1).images().toArray(), "a function of (seed, step)");
    }

    @Test
    void nothingConfidentGivesNoUnlabeledRows() {
        PseudoLabels unsure = new PseudoLabels(new float[BU], new int[BU], K);
        Composition c = MixedPseudoLabelLoss.ssMixup(1, K, 0.1, 0.7, 5.0, 0.1, 2).compose(views(), unsure);
        assertEquals(0, c.terms().get(1).rows());
        assertEquals(0.0, c.maskRate());
    }
}
