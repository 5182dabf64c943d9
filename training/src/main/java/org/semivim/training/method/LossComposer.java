package org.semivim.training.method;

import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;
import org.semivim.training.pseudo.PseudoLabels;

import java.util.List;

/**
 * Phase (4) of a step: how a method turns the step's views and the teacher's predictions into the
 * loss terms the shards compute. A pure function of its inputs (and the step, for any random
 * mixing), so the actor runtime can call it anywhere.
 */
public interface LossComposer {

    /** {@code teacherLabels}: (o, yhat) [B_u] of the weak unlabeled views (empty for supervised). */
    Composition compose(StepViews views, PseudoLabels teacherLabels);

    /**
     * The leading terms of {@link #compose} that do not depend on the teacher's labels: for any labels,
     * {@code compose(views, labels).terms()} starts with terms of the same bits (same images, targets, row
     * weights, loss weight and kind). A trainer may start their forward and backward before the labels
     * arrive. None by default.
     */
    default List<LossTerm> labelFreeTerms(StepViews views) {
        return List.of();
    }
}
