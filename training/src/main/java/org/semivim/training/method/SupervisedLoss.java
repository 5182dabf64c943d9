package org.semivim.training.method;

import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;
import org.semivim.training.pseudo.PseudoLabels;

import java.util.Arrays;
import java.util.List;

/**
 * ssl-spec.md §2.1: L = CE(f(weak(x_l)), y), the mean over the B_l labeled samples, with optional
 * label smoothing (0 for the plain baseline).
 */
public final class SupervisedLoss implements LossComposer {
    private final int numClasses;
    private final float labelSmoothing;

    public SupervisedLoss(int numClasses, float labelSmoothing) {
        this.numClasses = numClasses;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Composition compose(StepViews views, PseudoLabels teacherLabels) {
        return new Composition(List.of(labeledTerm(views, numClasses, labelSmoothing)), new boolean[0]);
    }

    /** L_x: the labeled term comes first and does not depend on the teacher's labels. */
    @Override
    public List<LossTerm> labelFreeTerms(StepViews views) {
        return List.of(labeledTerm(views, numClasses, labelSmoothing));
    }

    /** L_x: weak labeled views against (smoothed) one-hot labels, row weights 1/B_l. */
    static LossTerm labeledTerm(StepViews views, int numClasses, float labelSmoothing) {
        int[] labels = views.labeledLabels();
        float[] weights = new float[labels.length];
        Arrays.fill(weights, TargetRows.perSample(labels.length));
        return new LossTerm(LossTerm.Kind.LABELED, views.labeledWeak(), TargetRows.smoothedOneHot(labels, numClasses, labelSmoothing),
                weights, 1f, null);
    }
}
