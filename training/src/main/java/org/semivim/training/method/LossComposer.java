package org.semivim.training.method;

import org.semivim.training.step.StepViews;
import org.semivim.training.pseudo.PseudoLabels;

/**
 * Phase (4) of a step: how a method turns the step's views and the teacher's predictions into the
 * loss terms the shards compute. A pure function of its inputs (and the step, for any random
 * mixing), so the actor runtime can call it anywhere.
 */
public interface LossComposer {

    /** {@code teacherLabels}: (o, yhat) [B_u] of the weak unlabeled views (empty for supervised). */
    Composition compose(StepViews views, PseudoLabels teacherLabels);
}
