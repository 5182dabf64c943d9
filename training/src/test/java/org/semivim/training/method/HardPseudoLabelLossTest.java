package org.semivim.training.method;

import org.junit.jupiter.api.Test;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.pseudo.PseudoLabels;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class HardPseudoLabelLossTest {
    private static final int K = 3, BL = 4, BU = 6;

    /** Views with distinct images per row (row r filled with r for labeled, 100 + r for unlabeled strong). */
    private static StepViews views() {
        Tensor lw = Tensor.zeros(BL, 1, 8, 8), uw = Tensor.zeros(BU, 1, 8, 8), us = Tensor.zeros(BU, 1, 8, 8);
        for (int r = 0; r < BL; r++) lw.slice0(r).fill(r);
        for (int r = 0; r < BU; r++) {
            uw.slice0(r).fill(-r);
            us.slice0(r).fill(100 + r);
        }
        StepBatch batch = new StepBatch(0, new int[] {0, 1, 2, 3}, new int[] {4, 5, 6, 7, 8, 9}, 0, 0, 2);
        return new StepViews(batch, lw, new int[] {2, 0, 1, 2}, uw, us);
    }

    private static PseudoLabels predictions(float tau) {
        float below = Math.nextDown(tau), above = Math.nextUp(tau);
        return new PseudoLabels(new float[] {0.99f, tau, below, above, 0.1f, tau}, new int[] {1, 2, 0, 1, 2, 0}, K);
    }

    @Test
    void fixMatchMasksWithAtLeastAndDividesByTheFullUnlabeledBatch() {
        float tau = 0.95f;
        HardPseudoLabelLoss fixMatch = new HardPseudoLabelLoss(K, 0f, ConfidenceThreshold.fixMatch(tau), 1.0);
        Composition c = fixMatch.compose(views(), predictions(tau));
        assertArrayEquals(new boolean[] {true, true, false, true, false, true}, c.mask(), "o == tau passes (≥)");
        assertEquals(4.0 / 6, c.maskRate());
        LossTerm u = c.terms().get(1);
        assertEquals(LossTerm.Kind.UNLABELED, u.kind());
        assertEquals(4, u.rows());
        for (float w : u.rowWeights()) assertEquals(1f / BU, w, "1/B_u, not 1/(number masked)");
        int[] kept = {0, 1, 3, 5}, pseudo = {1, 2, 1, 0};
        for (int r = 0; r < 4; r++) {
            assertEquals(100 + kept[r], u.images().slice0(r).get(0), "strong view of the masked-in sample, in batch order");
            for (int k = 0; k < K; k++) assertEquals(k == pseudo[r] ? 1f : 0f, u.targets().get(r * K + k), "hard pseudo-label");
        }
        LossTerm x = c.terms().get(0);
        assertEquals(LossTerm.Kind.LABELED, x.kind());
        for (float w : x.rowWeights()) assertEquals(1f / BL, w);
        assertEquals(1f, x.targets().get(2), "FixMatch L_x: plain one-hot");
    }

    @Test
    void theSemiVimRuleIsStrictAndNothingPassingGivesAnEmptyTerm() {
        HardPseudoLabelLoss strict = new HardPseudoLabelLoss(K, 0.1f, ConfidenceThreshold.semiVim(0.7), 5.0);
        Composition c = strict.compose(views(), predictions(0.7f));
        assertArrayEquals(new boolean[] {true, false, false, true, false, false}, c.mask(), "o == tau fails (>)");
        assertEquals(5f, c.terms().get(1).lossWeight());
        float off = 0.1f / K;
        assertEquals(1f - 0.1f + off, c.terms().get(0).targets().get(2), 0f, "EMA-Teacher L_x: label smoothing");
        assertEquals(off, c.terms().get(0).targets().get(0), 0f);

        PseudoLabels unsure = new PseudoLabels(new float[BU], new int[BU], K);
        Composition none = strict.compose(views(), unsure);
        assertEquals(0, none.terms().get(1).rows());
        assertEquals(0.0, none.maskRate());
    }

    /** L_u as the shards compute it equals (1/B_u)·Σ_i mask_i·CE(f(strong_i), yhat_i), evaluated independently in double. */
    @Test
    void theUnlabeledLossIsTheMaskedSumOverTheFullBatch() {
        ModelSpec spec = new ModelSpec.Vit(VitConfig.fromMap(Map.of("img_size", 8, "patch_size", 4, "in_chans", 1, "embed_dim", 8,
                "depth", 1, "num_heads", 2, "num_classes", K)));
        ImageClassifier model = spec.create(Ops.cpu(), 2);
        StepViews v = views();
        CounterRng rng = CounterRng.of(1, "images");
        Tensor strong = v.unlabeledStrong();
        for (int i = 0; i < strong.size; i++) strong.data[i] = (float) rng.normal(i);
        PseudoLabels p = predictions(0.95f);
        Composition c = new HardPseudoLabelLoss(K, 0f, ConfidenceThreshold.fixMatch(0.95), 2.0).compose(v, p);
        double reported = 0;
        for (ShardInput s : ShardInput.split(1, 0, c.terms(), 2)) {
            reported += new ShardGradient(spec.create(Ops.cpu(), 3), Ops.cpu()).compute(model.parameters().flatValues().toArray(), s).termLosses()[1];
        }
        Tensor logits = model.forward(strong, ForwardMode.eval()).logits();   // no drop-path in this model: train = eval
        double expected = 0;
        boolean[] mask = c.mask();
        for (int i = 0; i < BU; i++) {
            if (!mask[i]) continue;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int k = 0; k < K; k++) max = Math.max(max, logits.get(i * K + k));
            for (int k = 0; k < K; k++) sum += Math.exp(logits.get(i * K + k) - max);
            expected += -(logits.get(i * K + p.labelOf(i)) - max - Math.log(sum));
        }
        expected /= BU;
        assertEquals(expected, reported, 1e-5 * expected);
    }

    @Test
    void mismatchedPredictionsAreRejected() {
        HardPseudoLabelLoss loss = new HardPseudoLabelLoss(K, 0f, ConfidenceThreshold.fixMatch(0.95), 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.compose(views(), new PseudoLabels(new float[2], new int[2], K)));
        assertTrue(e.getMessage().contains("6 unlabeled"), e.getMessage());
    }

    @Test
    void supervisedHasOnlyTheLabeledTerm() {
        Composition c = new SupervisedLoss(K, 0f).compose(views(), new PseudoLabels(new float[0], new int[0], K));
        assertEquals(List.of(LossTerm.Kind.LABELED), c.terms().stream().map(LossTerm::kind).toList());
        assertEquals(0, c.mask().length);
        assertEquals(0.0, c.maskRate());
    }
}
