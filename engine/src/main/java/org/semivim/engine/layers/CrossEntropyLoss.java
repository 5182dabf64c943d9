package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * Softmax cross-entropy for a batch of logits [B, K], averaged over the batch:
 * loss = (1/B) Σ_b s_b · CE(logits_b, t_b) with CE(l, t) = −Σ_k t_k · log softmax(l)_k and optional
 * per-sample weights s_b (default 1). With s = a 0/1 pseudo-label mask this is FixMatch's
 * (1/B_u) Σ mask·CE, divided by the full batch (ssl-spec.md §2.2). Targets are hard labels, hard
 * labels with label smoothing (t = (1 − ε)·onehot + ε/K, timm LabelSmoothingCrossEntropy) or soft
 * rows (timm SoftTargetCrossEntropy). Each call returns the loss and a new dlogits = ∂loss/∂logits.
 */
public final class CrossEntropyLoss {
    /** The loss value and its gradient dlogits [B, K]. */
    public record Result(double loss, Tensor dlogits) {}

    private final Ops ops;

    public CrossEntropyLoss(Ops ops) {
        this.ops = ops;
    }

    /** Plain cross-entropy against hard labels, mean over the batch. */
    public Result hardLabels(Tensor logits, int[] labels) {
        return hardLabels(logits, labels, 0f, null);
    }

    /**
     * Hard labels with label smoothing {@code smoothing} in [0, 1) (0: none) and optional per-sample
     * weights [B] (null: all 1). labels[b] must lie in [0, K).
     */
    public Result hardLabels(Tensor logits, int[] labels, float smoothing, Tensor sampleWeights) {
        int[] bk = batchAndClasses(logits);
        return softTargets(logits, smoothedOneHot(labels, bk[0], bk[1], smoothing), sampleWeights);
    }

    /** Soft targets [B, K] (rows normally sum to 1) and optional per-sample weights [B] (null: all 1). */
    public Result softTargets(Tensor logits, Tensor targets, Tensor sampleWeights) {
        int[] bk = batchAndClasses(logits);
        int batch = bk[0];
        targets.requireShape("CrossEntropyLoss targets", logits.shape());
        if (sampleWeights != null) sampleWeights.requireShape("CrossEntropyLoss sample weights", batch);
        Tensor rowWeights = Tensor.zeros(batch); // [B]: s_b / B
        for (int b = 0; b < batch; b++) {
            float s = sampleWeights == null ? 1f : sampleWeights.get(b);
            rowWeights.set(b, s / batch);
        }
        Tensor dlogits = Tensor.zeros(logits.shape());
        double loss = ops.loss().softmaxCrossEntropy(logits, targets, rowWeights, dlogits);
        return new Result(loss, dlogits);
    }

    /** t [B, K] = (1 − smoothing)·onehot(labels) + smoothing/K. */
    public static Tensor smoothedOneHot(int[] labels, int batch, int classes, float smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        }
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels: expected " + batch + " labels (one per logits row), got " + labels.length);
        }
        Tensor t = Tensor.zeros(batch, classes);
        float off = smoothing / classes;
        float on = 1f - smoothing + off;
        for (int b = 0; b < batch; b++) {
            int label = labels[b];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " of sample " + b + " is outside [0, " + classes + ")");
            }
            for (int k = 0; k < classes; k++) t.set(b * classes + k, k == label ? on : off);
        }
        return t;
    }

    private static int[] batchAndClasses(Tensor logits) {
        if (logits.rank() != 2 || logits.dim(0) < 1 || logits.dim(1) < 1) {
            throw new IllegalArgumentException("CrossEntropyLoss logits: expected shape [B, K] with B, K ≥ 1 but got "
                    + Arrays.toString(logits.shape()));
        }
        return new int[] {logits.dim(0), logits.dim(1)};
    }
}
