package org.semivim.training.step;

import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.io.ImageDataset;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.tensor.Tensor;

/**
 * Phases (1)–(2) of a step, their result: the samples of step t and their views, each drawn from
 * (seed, t, sample, view) by the data module, so any augmenter computes the same floats.
 * The true labels of the unlabeled samples are NOT here: methods must not see them.
 *
 * @param batch           the step's samples (labeled [B_l], unlabeled [B_u]) and sampler positions
 * @param labeledWeak     [B_l, C, H, W] weak views of the labeled samples
 * @param labeledLabels   [B_l] their labels
 * @param unlabeledWeak   [B_u, C, H, W] weak views (pseudo-labelling); [0, C, H, W] without unlabeled data
 * @param unlabeledStrong [B_u, C, H, W] strong views (the student's L_u inputs); [0, C, H, W] without unlabeled data
 */
public record StepViews(StepBatch batch, Tensor labeledWeak, int[] labeledLabels, Tensor unlabeledWeak, Tensor unlabeledStrong) {

    public StepViews {
        labeledLabels = labeledLabels.clone();
    }

    @Override
    public int[] labeledLabels() {
        return labeledLabels.clone();
    }

    /** Renders the views of {@code batch}; unlabeled views only when {@code withUnlabeled}. */
    public static StepViews render(BatchAugmenter augmenter, ImageDataset train, StepBatch batch, boolean withUnlabeled) {
        int[] labeled = batch.labeled();
        int[] labels = new int[labeled.length];
        for (int i = 0; i < labeled.length; i++) labels[i] = train.label(labeled[i]);
        Tensor labeledWeak = augmenter.render(labeled, batch.step(), AugmentView.WEAK);
        int[] unlabeled = withUnlabeled ? batch.unlabeled() : new int[0];
        Tensor weak = augmenter.render(unlabeled, batch.step(), AugmentView.WEAK);
        Tensor strong = augmenter.render(unlabeled, batch.step(), AugmentView.STRONG);
        return new StepViews(batch, labeledWeak, labels, weak, strong);
    }
}
