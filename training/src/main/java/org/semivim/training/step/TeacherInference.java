package org.semivim.training.step;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.tensor.Tensor;

/**
 * Phase (3) of a step: a forward of the pseudo-labelling model in EVAL mode (no drop-path, no
 * SSMixup term; R-L12, R-S9) on the weak unlabeled views, giving (o, yhat) per sample.
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

    public TeacherInference(ImageClassifier replica) {
        this.replica = replica;
    }

    /** weakViews [B_u, C, H, W] → (o, yhat) [B_u] from the model with {@code parameters}. */
    public TeacherPredictions predict(float[] parameters, Tensor weakViews, int shardCount) {
        if (weakViews.rank() != 4) throw new IllegalArgumentException("weak views: expected [B_u, C, H, W], got " + weakViews);
        float[] values = replica.parameters().flatValues().data;
        if (parameters.length != values.length) {
            throw new IllegalArgumentException("parameter snapshot has " + parameters.length + " values, the model " + values.length);
        }
        System.arraycopy(parameters, 0, values, 0, values.length);
        int n = weakViews.dim(0), perImage = weakViews.size / Math.max(1, n);
        int[] chw = {weakViews.dim(1), weakViews.dim(2), weakViews.dim(3)};
        float[] confidence = new float[n];
        int[] label = new int[n];
        for (int s = 0; s < shardCount; s++) {
            int from = ShardInput.bound(s, n, shardCount), to = ShardInput.bound(s + 1, n, shardCount);
            if (from == to) continue;
            Tensor rows = Tensor.view(weakViews.data, weakViews.offset + from * perImage, to - from, chw[0], chw[1], chw[2]);
            Tensor logits = replica.forward(rows, ForwardMode.eval()).logits();          // [rows, K]
            int classes = logits.dim(1);
            for (int r = 0; r < to - from; r++) {
                int best = argmax(logits, r, classes);
                confidence[from + r] = maxProbability(logits, r, classes, best);
                label[from + r] = best;
            }
        }
        return new TeacherPredictions(confidence, label);
    }

    /** The first index of the largest logit (torch.max's choice for ties). */
    static int argmax(Tensor logits, int row, int classes) {
        int base = logits.offset + row * classes, best = 0;
        for (int k = 1; k < classes; k++) if (logits.data[base + k] > logits.data[base + best]) best = k;
        return best;
    }

    /** max softmax = 1 / Σ_k exp(l_k − l_max), the sum in double, rounded once to float. */
    static float maxProbability(Tensor logits, int row, int classes, int best) {
        int base = logits.offset + row * classes;
        double max = logits.data[base + best], sum = 0;
        for (int k = 0; k < classes; k++) sum += Math.exp(logits.data[base + k] - max);
        return (float) (1 / sum);
    }
}
