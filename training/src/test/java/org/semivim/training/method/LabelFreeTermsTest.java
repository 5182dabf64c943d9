package org.semivim.training.method;

import org.junit.jupiter.api.Test;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link LossComposer#labelFreeTerms}: the leading terms of every composition, whatever the teacher's labels. */
class LabelFreeTermsTest {
    private static final int K = 3, BL = 4, BU = 6;

    private static StepViews views() {
        Tensor lw = Tensor.zeros(BL, 1, 8, 8), uw = Tensor.zeros(BU, 1, 8, 8), us = Tensor.zeros(BU, 1, 8, 8);
        for (int i = 0; i < lw.size; i++) lw.data[i] = (float) Math.sin(i * 0.37);
        for (int i = 0; i < us.size; i++) us.data[i] = (float) Math.cos(i * 0.11);
        StepBatch batch = new StepBatch(7, new int[] {0, 1, 2, 3}, new int[] {4, 5, 6, 7, 8, 9}, 0, 0, 2);
        return new StepViews(batch, lw, new int[] {2, 0, 1, 2}, uw, us);
    }

    /** Labels that pass nothing, everything, and some of the rows. */
    private static List<PseudoLabels> labelings() {
        return List.of(new PseudoLabels(new float[] {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f}, new int[] {0, 1, 2, 0, 1, 2}, K),
                new PseudoLabels(new float[] {0.99f, 0.99f, 0.98f, 0.97f, 0.99f, 0.96f}, new int[] {2, 1, 0, 2, 1, 0}, K),
                new PseudoLabels(new float[] {0.99f, 0.5f, 0.2f, 0.96f, 0.1f, 0.97f}, new int[] {1, 2, 0, 1, 2, 0}, K));
    }

    @Test
    void everyComposersLabelFreeTermsLeadItsCompositionWhateverTheLabels() {
        StepViews views = views();
        List<LossComposer> composers = List.of(new SupervisedLoss(K, 0.1f),
                new HardPseudoLabelLoss(K, 0f, ConfidenceThreshold.fixMatch(0.95), 1.0),
                new HardPseudoLabelLoss(K, 0.1f, ConfidenceThreshold.semiVim(0.95), 2.0),
                MixedPseudoLabelLoss.probMixup(3, K, 0.1, 0.95, 1.0),
                MixedPseudoLabelLoss.ssMixup(3, K, 0.1, 0.95, 1.0, 0.1, 2));
        for (LossComposer composer : composers) {
            List<LossTerm> free = composer.labelFreeTerms(views);
            assertEquals(1, free.size(), composer.getClass().getSimpleName());
            assertEquals(LossTerm.Kind.LABELED, free.get(0).kind());
            for (PseudoLabels labels : labelings()) {
                PseudoLabels used = composer instanceof SupervisedLoss ? new PseudoLabels(new float[0], new int[0], K) : labels;
                List<LossTerm> terms = composer.compose(views, used).terms();
                assertTrue(terms.size() >= free.size());
                for (int i = 0; i < free.size(); i++) {
                    assertTrue(free.get(i).sameAs(terms.get(i)), composer.getClass().getSimpleName() + ": term " + i);
                }
            }
        }
    }

    @Test
    void aComposerSaysNothingIsLabelFreeByDefault() {
        LossComposer custom = (views, labels) -> new Composition(List.of(), new boolean[0]);
        assertTrue(custom.labelFreeTerms(views()).isEmpty());
    }

    @Test
    void sameAsComparesEveryBit() {
        LossTerm a = new SupervisedLoss(K, 0.1f).labelFreeTerms(views()).get(0);
        assertTrue(a.sameAs(a.slice(0, BL)));
        assertFalse(a.sameAs(new SupervisedLoss(K, 0.2f).labelFreeTerms(views()).get(0)), "other targets");
        assertFalse(a.sameAs(a.slice(0, BL - 1)), "fewer rows");
        assertFalse(a.sameAs(new LossTerm(a.kind(), a.images(), a.targets(), a.rowWeights(), 2f, null)), "another loss weight");
        assertFalse(a.sameAs(new LossTerm(LossTerm.Kind.UNLABELED, a.images(), a.targets(), a.rowWeights(), 1f, null)), "another kind");
        float[] w = a.rowWeights();
        w[1] = Math.nextUp(w[1]);
        assertFalse(a.sameAs(new LossTerm(a.kind(), a.images(), a.targets(), w, 1f, null)), "a row weight one ulp off");
        Tensor images = Tensor.wrap(a.images().toArray(), a.images().shape());
        images.data[images.size - 1] += 1f;
        assertFalse(a.sameAs(new LossTerm(a.kind(), images, a.targets(), a.rowWeights(), 1f, null)), "another last pixel");
        float[] psi = {0.1f, 0.2f, 0.3f, 0.4f};
        LossTerm mixed = new LossTerm(a.kind(), a.images(), a.targets(), a.rowWeights(), 1f, new LossTerm.SsMixupRows(0.1f, 2, psi));
        assertFalse(a.sameAs(mixed), "SSMixup rows on one side only");
        psi[3] = 0.5f;
        assertFalse(mixed.sameAs(new LossTerm(a.kind(), a.images(), a.targets(), a.rowWeights(), 1f, new LossTerm.SsMixupRows(0.1f, 2, psi))), "another psi");
    }
}
