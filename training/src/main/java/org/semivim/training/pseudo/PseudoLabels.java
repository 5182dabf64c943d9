package org.semivim.training.pseudo;

import org.semivim.engine.tensor.Tensor;

/**
 * Hard pseudo-labels from teacher outputs on the weak views (ssl-spec.md §0: T = 1, no sharpening):
 * p = softmax(logits), o_i = max_c p_ic (the confidence), yhat_i = argmax_c p_ic, ties going to the
 * lowest class index. Softmax is computed per row in double (after subtracting the row maximum) and
 * rounded to float32, then o and yhat are read from the float probabilities, as the reference code
 * reads them from its float32 softmax.
 *
 * @param confidence o [B]
 * @param label      yhat [B]
 * @param numClasses K
 */
public record PseudoLabels(float[] confidence, int[] label, int numClasses) {

    public PseudoLabels {
        if (confidence.length != label.length) {
            throw new IllegalArgumentException("pseudo-labels: " + confidence.length + " confidences but " + label.length + " labels");
        }
        if (numClasses < 2) throw new IllegalArgumentException("pseudo-labels need at least 2 classes, got " + numClasses);
        for (int i = 0; i < label.length; i++) {
            if (label[i] < 0 || label[i] >= numClasses) throw new IllegalArgumentException("pseudo-label " + label[i] + " of row " + i + " outside [0, " + numClasses + ")");
            if (!(confidence[i] >= 0f && confidence[i] <= 1f)) throw new IllegalArgumentException("confidence " + confidence[i] + " of row " + i + " is not in [0, 1]");
        }
        confidence = confidence.clone();
        label = label.clone();
    }

    /** From teacher logits [B, K]. */
    public static PseudoLabels fromLogits(Tensor logits) {
        return fromProbabilities(softmax(logits));
    }

    /** From probabilities [B, K] (rows of a softmax). */
    public static PseudoLabels fromProbabilities(Tensor probabilities) {
        if (probabilities.rank() != 2) throw new IllegalArgumentException("probabilities: expected [B, K] but got " + probabilities);
        int rows = probabilities.dim(0), classes = probabilities.dim(1);
        float[] o = new float[rows];
        int[] yhat = new int[rows];
        for (int r = 0; r < rows; r++) {
            int base = probabilities.offset + r * classes;
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probabilities.data[base + c] > probabilities.data[base + best]) best = c;   // strict: ties keep the lowest index
            }
            yhat[r] = best;
            o[r] = probabilities.data[base + best];
        }
        return new PseudoLabels(o, yhat, classes);
    }

    /** Row-wise softmax of {@code logits} [B, K] → new [B, K], computed in double and rounded to float. */
    public static Tensor softmax(Tensor logits) {
        if (logits.rank() != 2) throw new IllegalArgumentException("logits: expected [B, K] but got " + logits);
        int rows = logits.dim(0), classes = logits.dim(1);
        if (classes < 1) throw new IllegalArgumentException("logits: need at least one class, got " + logits);
        Tensor p = Tensor.zeros(rows, classes);            // [B, K]
        double[] e = new double[classes];
        for (int r = 0; r < rows; r++) {
            int base = logits.offset + r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, logits.data[base + c]);
            if (!Double.isFinite(max)) throw new IllegalArgumentException("logits row " + r + " is not finite (max " + max + ")");
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += e[c] = Math.exp(logits.data[base + c] - max);
            for (int c = 0; c < classes; c++) p.data[r * classes + c] = (float) (e[c] / sum);
        }
        return p;
    }

    /** Number of rows B. */
    public int size() {
        return label.length;
    }

    @Override
    public float[] confidence() {
        return confidence.clone();
    }

    @Override
    public int[] label() {
        return label.clone();
    }

    public float confidenceOf(int row) {
        return confidence[row];
    }

    public int labelOf(int row) {
        return label[row];
    }

    /** mask_i = [o_i passes the threshold] [B]. */
    public boolean[] mask(ConfidenceThreshold threshold) {
        boolean[] mask = new boolean[label.length];
        for (int i = 0; i < mask.length; i++) mask[i] = threshold.passes(confidence[i]);
        return mask;
    }

    /**
     * Row weights [B] of the unlabeled loss L_u = (1/B_u) Σ_i mask_i·CE_i: mask_i / B, the denominator
     * being the FULL unlabeled batch (FixMatch, EMA-Teacher, Semi-ViM Eq. 21).
     */
    public static Tensor unlabeledRowWeights(boolean[] mask) {
        Tensor w = Tensor.zeros(mask.length);              // [B]
        float share = mask.length == 0 ? 0f : 1f / mask.length;
        for (int i = 0; i < mask.length; i++) w.data[i] = mask[i] ? share : 0f;
        return w;
    }

    /** One-hot targets [B, K] of the hard labels (for the soft-target cross-entropy of the engine). */
    public Tensor oneHotTargets() {
        Tensor t = Tensor.zeros(label.length, numClasses); // [B, K]
        for (int i = 0; i < label.length; i++) t.data[i * numClasses + label[i]] = 1f;
        return t;
    }

    /** Fraction of true mask entries; 0 for an empty batch. */
    public static double maskRate(boolean[] mask) {
        int n = 0;
        for (boolean m : mask) if (m) n++;
        return mask.length == 0 ? 0 : (double) n / mask.length;
    }

    /**
     * Pseudo-label accuracy against the hidden true labels of the unlabeled split, over the rows the
     * mask keeps (NaN when it keeps none), for the per-step metrics.
     */
    public double accuracy(int[] trueLabels, boolean[] mask) {
        if (trueLabels.length != label.length || mask.length != label.length) {
            throw new IllegalArgumentException("pseudo-label accuracy: " + label.length + " rows but " + trueLabels.length
                    + " true labels and " + mask.length + " mask entries");
        }
        int kept = 0, correct = 0;
        for (int i = 0; i < label.length; i++) {
            if (!mask[i]) continue;
            kept++;
            if (label[i] == trueLabels[i]) correct++;
        }
        return kept == 0 ? Double.NaN : (double) correct / kept;
    }
}
