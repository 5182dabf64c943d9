package org.semivim.training.method;

import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.pseudo.PseudoLabels;

import java.util.Arrays;
import java.util.List;

/**
 * FixMatch (ssl-spec.md §2.2), EMA-Teacher (§2.3) and plain LyapEMA: L = L_x + w_u·L_u with
 * <pre>
 *   L_x = mean_i CE_ls(f(weak(x_i)), y_i)                         label smoothing 0 (FixMatch) or eps_ls
 *   L_u = (1/B_u) Σ_i mask_i · CE(f(strong(u_i)), yhat_i)           hard pseudo-labels, no smoothing
 *   mask_i = o_i ≥ tau (FixMatch, EMA-Teacher) or o_i > tau (Semi-ViM, Eq. 21)
 * </pre>
 * The division is by the FULL unlabeled batch B_u, not by the number of masked samples. Samples
 * outside the mask have weight 0 and contribute exactly nothing, so they are left out of the L_u
 * term (the retained rows keep their batch order); a step where nothing passes has no L_u rows.
 */
public final class HardPseudoLabelLoss implements LossComposer {
    private final int numClasses;
    private final float labelSmoothing;
    private final ConfidenceThreshold threshold;
    private final float unlabeledWeight;

    public HardPseudoLabelLoss(int numClasses, float labelSmoothing, ConfidenceThreshold threshold, double unlabeledWeight) {
        this.numClasses = numClasses;
        this.labelSmoothing = labelSmoothing;
        this.threshold = threshold;
        this.unlabeledWeight = (float) unlabeledWeight;
    }

    @Override
    public Composition compose(StepViews views, PseudoLabels teacherLabels) {
        int unlabeled = views.unlabeledStrong().dim(0);
        if (teacherLabels.size() != unlabeled) {
            throw new IllegalArgumentException("pseudo-labels for " + teacherLabels.size() + " samples, but the step has " + unlabeled
                    + " unlabeled samples");
        }
        boolean[] mask = teacherLabels.mask(threshold);
        int kept = 0;
        for (boolean m : mask) if (m) kept++;
        int[] rows = new int[kept];                       // batch indices of the masked-in samples, in order
        int[] pseudo = new int[kept];
        for (int i = 0, j = 0; i < unlabeled; i++) {
            if (mask[i]) {
                rows[j] = i;
                pseudo[j++] = teacherLabels.labelOf(i);
            }
        }
        float[] weights = new float[kept];
        Arrays.fill(weights, TargetRows.perSample(unlabeled));   // 1/B_u: the full batch
        LossTerm unlabeledTerm = new LossTerm(LossTerm.Kind.UNLABELED, TargetRows.gather(views.unlabeledStrong(), rows),
                TargetRows.smoothedOneHot(pseudo, numClasses, 0f), weights, unlabeledWeight, null);
        LossTerm labeledTerm = SupervisedLoss.labeledTerm(views, numClasses, labelSmoothing);
        return new Composition(List.of(labeledTerm, unlabeledTerm), mask);
    }

    /** L_x: the labeled term comes first and does not depend on the teacher's labels. */
    @Override
    public List<LossTerm> labelFreeTerms(StepViews views) {
        return List.of(SupervisedLoss.labeledTerm(views, numClasses, labelSmoothing));
    }
}
