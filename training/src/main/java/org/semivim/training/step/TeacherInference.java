package org.semivim.training.step;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.UpdateBackend;

/**
 * Phase (3) of a step: a forward of the pseudo-labelling model in EVAL mode (no drop-path, no
 * SSMixup term; R-L12, R-S9) on the weak unlabeled views, giving the hard pseudo-labels (o, yhat)
 * per sample ({@link PseudoLabels#fromLogits}).
 *
 * <p>Whose parameters: EMA-Teacher and LyapEMA pass θT_{t−1}, the teacher after the previous step.
 * FixMatch passes the student θS_{t−1}; FixMatch's reference implementations run that forward in
 * train mode under stop-gradient (which matters for BatchNorm and dropout), but our backbones have
 * no batch statistics and eval mode keeps the pseudo-labels free of drop-path noise, so every
 * method uses eval mode here.
 *
 * <p>Like the gradients, the forward runs over the fixed shards of the unlabeled batch (rows
 * [⌊s·B_u/S⌋, ⌊(s+1)·B_u/S⌋)), so a TeacherInference actor can split the work the same way.
 * Like {@link ShardGradient} it overwrites the values of the replica it is given.
 */
public final class TeacherInference {
    private final ImageClassifier replica;
    private final UpdateBackend device;   // told when the replica's values are written (they may be resident)

    /** On a replica nobody keeps on a device. */
    public TeacherInference(ImageClassifier replica) {
        this(replica, UpdateBackend.cpu());
    }

    /** {@code device}: the update backend of the replica's ops (a {@link ShardGradient} sharing the replica keeps its values resident). */
    public TeacherInference(ImageClassifier replica, UpdateBackend device) {
        this.replica = replica;
        this.device = device;
    }

    /** weakViews [B_u, C, H, W] → (o, yhat) [B_u] from the model with {@code parameters}. */
    public PseudoLabels predict(float[] parameters, Tensor weakViews, int shardCount) {
        if (weakViews.rank() != 4) throw new IllegalArgumentException("weak views: expected [B_u, C, H, W], got " + weakViews);
        float[] values = replica.parameters().flatValues().data;
        if (parameters.length != values.length) {
            throw new IllegalArgumentException("parameter snapshot has " + parameters.length + " values, the model " + values.length);
        }
        System.arraycopy(parameters, 0, values, 0, values.length);
        device.hostWritten(values);
        int n = weakViews.dim(0), perImage = weakViews.size / Math.max(1, n);
        int[] chw = {weakViews.dim(1), weakViews.dim(2), weakViews.dim(3)};
        float[] confidence = new float[n];
        int[] label = new int[n];
        for (int s = 0; s < shardCount; s++) {
            int from = ShardInput.bound(s, n, shardCount), to = ShardInput.bound(s + 1, n, shardCount);
            if (from == to) continue;
            Tensor rows = Tensor.view(weakViews.data, weakViews.offset + from * perImage, to - from, chw[0], chw[1], chw[2]);
            PseudoLabels shard = PseudoLabels.fromLogits(replica.forward(rows, ForwardMode.eval()).logits());
            System.arraycopy(shard.confidence(), 0, confidence, from, to - from);
            System.arraycopy(shard.label(), 0, label, from, to - from);
        }
        return new PseudoLabels(confidence, label, replica.numClasses());
    }
}
