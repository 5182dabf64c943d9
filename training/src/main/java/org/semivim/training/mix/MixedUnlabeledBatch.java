package org.semivim.training.mix;

import org.semivim.data.mix.ProbMixup;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;

/**
 * The unlabeled rows a mixing method trains on, in the form the loss takes them:
 * L_u = Σ_r rowWeights[r] · CE_soft(f_S(inputs[r]), targets[r]) (engine {@code LossOps.softmaxCrossEntropy}).
 *
 * @param inputs             mixed strong views [R, C, H, W]
 * @param targets            soft targets [R, K] (label-smoothed, mixed with psi)
 * @param psi                mixing coefficient per row [R] (for SSMixup the model's per-sample psi)
 * @param rowWeights         [R]: 1/B_u for every counted row (the denominator is the FULL unlabeled batch), 0 otherwise
 * @param rows               [R] index i of each row in the unlabeled batch
 * @param partners           [R] index j of its partner in the unlabeled batch
 * @param unlabeledBatchSize B_u
 */
public record MixedUnlabeledBatch(Tensor inputs, Tensor targets, float[] psi, Tensor rowWeights, int[] rows, int[] partners,
                                  int unlabeledBatchSize) {

    public MixedUnlabeledBatch {
        int r = inputs.dim(0);
        if (inputs.rank() != 4) throw new IllegalArgumentException("mixed inputs: expected [R, C, H, W] but got " + inputs);
        if (targets.rank() != 2 || targets.dim(0) != r) throw new IllegalArgumentException("mixed targets: expected [" + r + ", K] but got " + targets);
        if (rowWeights.rank() != 1 || rowWeights.dim(0) != r) throw new IllegalArgumentException("row weights: expected [" + r + "] but got " + rowWeights);
        if (psi.length != r || rows.length != r || partners.length != r) {
            throw new IllegalArgumentException("mixed batch of " + r + " rows has " + psi.length + " psi, " + rows.length + " rows and "
                    + partners.length + " partners");
        }
        if (unlabeledBatchSize < r) throw new IllegalArgumentException("mixed batch has " + r + " rows, more than B_u = " + unlabeledBatchSize);
    }

    /** Number of rows R. */
    public int size() {
        return rows.length;
    }

    /** No row to train on (SSMixup with |K| = 0): L_u = 0, and the caller skips the forward (models need B ≥ 1). */
    public boolean isEmpty() {
        return rows.length == 0;
    }

    /** Fraction of the unlabeled batch that contributes to L_u (rows with a non-zero weight). */
    public double maskRate() {
        int n = 0;
        for (int i = 0; i < rowWeights.size; i++) if (rowWeights.data[rowWeights.offset + i] != 0f) n++;
        return unlabeledBatchSize == 0 ? 0 : (double) n / unlabeledBatchSize;
    }

    /**
     * ProbMixup (ssl-spec.md §2.4) through the data module's {@link ProbMixup}: every row of the strong
     * batch [B_u, C, H, W] is mixed with a partner FIRST, then masked with max(o_i, o_j) ≥ tau (R-S2,
     * R-S10); row weights mask_i/B_u. B_u must be even (R-S12, checked by ProbMixup).
     */
    public static MixedUnlabeledBatch probMixup(ProbMixup mixer, Tensor strongViews, PseudoLabels teacherLabels, long step) {
        ProbMixup.Mixed m = mixer.apply(strongViews, teacherLabels.confidence(), teacherLabels.label(), step);
        int n = strongViews.dim(0);
        if (m.targets().dim(1) != teacherLabels.numClasses()) {
            throw new IllegalArgumentException("ProbMixup has " + m.targets().dim(1) + " classes, the pseudo-labels " + teacherLabels.numClasses());
        }
        float[] psi = new float[n];
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            psi[i] = (float) m.psi()[i];
            rows[i] = i;
        }
        return new MixedUnlabeledBatch(m.inputs(), m.targets(), psi, PseudoLabels.unlabeledRowWeights(m.mask()), rows, m.partner().clone(), n);
    }
}
