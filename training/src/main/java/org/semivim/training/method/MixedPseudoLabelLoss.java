package org.semivim.training.method;

import org.semivim.data.mix.ProbMixup;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.mix.MixedUnlabeledBatch;
import org.semivim.training.mix.SsMixup;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;

import java.util.List;

/**
 * LyapEMA+ProbMixup (ssl-spec.md §2.4) and LyapEMA+SSMixup (§2.6.2): L = L_x + w_u·L_u with
 * <pre>
 *   L_x = mean_i CE_ls(f(weak(x_i)), y_i)                                      label smoothing eps_ls
 *   L_u = Σ_r w_r · CE_soft(f(x_mix_r), q_r),  w_r = 1/B_u for the rows that count   (the mixing rules' batch)
 *   ProbMixup: mix every strong row with a partner, then keep max(o_i, o_j) ≥ tau   (R-S2, R-S10)
 *   SSMixup:   keep o_i &gt; tau, mix the kept strong rows linearly; the student's forward on them
 *              adds ν·(psi·r^f + (1−psi)·r^b) in the first {@code layers} mixers     (R-S2, R-S8, R-S9)
 * </pre>
 * The batches come from the LyapEMA rules' {@link MixedUnlabeledBatch} ({@link SsMixup}, and
 * {@link MixedUnlabeledBatch#probMixup} on the data module's {@link ProbMixup}); rows with weight 0
 * contribute nothing and are left out of the term. The mask of unlabeled sample i says whether its
 * row counts (ProbMixup: the row mixed into i; SSMixup: i ∈ K).
 */
public final class MixedPseudoLabelLoss implements LossComposer {
    private final int numClasses;
    private final float labelSmoothing;
    private final float unlabeledWeight;
    private final ProbMixup probMixup;     // exactly one of these two is set
    private final SsMixup ssMixup;
    private final float nu;
    private final int layers;

    private MixedPseudoLabelLoss(int numClasses, float labelSmoothing, double unlabeledWeight, ProbMixup probMixup, SsMixup ssMixup,
                                 float nu, int layers) {
        this.numClasses = numClasses;
        this.labelSmoothing = labelSmoothing;
        this.unlabeledWeight = (float) unlabeledWeight;
        this.probMixup = probMixup;
        this.ssMixup = ssMixup;
        this.nu = nu;
        this.layers = layers;
    }

    /** ProbMixup with the run's seed, eps_ls for L_x and the mixed targets, tau compared with ≥. */
    public static MixedPseudoLabelLoss probMixup(long seed, int numClasses, double epsLs, double tau, double unlabeledWeight) {
        return new MixedPseudoLabelLoss(numClasses, (float) epsLs, unlabeledWeight, new ProbMixup(seed, numClasses, epsLs, tau), null, 0f, 0);
    }

    /** SSMixup with the run's seed, eps_ls, tau compared with &gt;, and the hidden-state term (nu, layers). */
    public static MixedPseudoLabelLoss ssMixup(long seed, int numClasses, double epsLs, double tau, double unlabeledWeight,
                                               double nu, int layers) {
        return new MixedPseudoLabelLoss(numClasses, (float) epsLs, unlabeledWeight, null, new SsMixup(seed, numClasses, epsLs, tau),
                (float) nu, layers);
    }

    @Override
    public Composition compose(StepViews views, PseudoLabels teacherLabels) {
        Tensor strong = views.unlabeledStrong();
        long step = views.batch().step();
        MixedUnlabeledBatch mixed = probMixup != null
                ? MixedUnlabeledBatch.probMixup(probMixup, strong, teacherLabels, step)
                : ssMixup.apply(strong, teacherLabels, step);
        int rows = mixed.size();
        float[] weights = mixed.rowWeights().toArray();
        boolean[] mask = new boolean[strong.dim(0)];
        int counted = 0;
        for (int r = 0; r < rows; r++) if (weights[r] != 0f) counted++;
        int[] keep = new int[counted];                  // rows of the mixed batch that count, in order
        for (int r = 0, j = 0; r < rows; r++) {
            if (weights[r] == 0f) continue;
            keep[j++] = r;
            mask[mixed.rows()[r]] = true;
        }
        float[] keptWeights = new float[counted];
        float[] keptPsi = new float[counted];
        float[] psi = mixed.psi();
        for (int j = 0; j < counted; j++) {
            keptWeights[j] = weights[keep[j]];
            keptPsi[j] = psi[keep[j]];
        }
        LossTerm.SsMixupRows term = ssMixup != null ? new LossTerm.SsMixupRows(nu, layers, keptPsi) : null;
        LossTerm unlabeledTerm = new LossTerm(LossTerm.Kind.UNLABELED, TargetRows.gather(mixed.inputs(), keep),
                TargetRows.gather(mixed.targets(), keep), keptWeights, unlabeledWeight, term);
        LossTerm labeledTerm = SupervisedLoss.labeledTerm(views, numClasses, labelSmoothing);
        return new Composition(List.of(labeledTerm, unlabeledTerm), mask);
    }

    /** L_x: the labeled term comes first and does not depend on the teacher's labels. */
    @Override
    public List<LossTerm> labelFreeTerms(StepViews views) {
        return List.of(SupervisedLoss.labeledTerm(views, numClasses, labelSmoothing));
    }
}
