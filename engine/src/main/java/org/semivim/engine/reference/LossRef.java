package org.semivim.engine.reference;

/**
 * Plain double-precision losses: softmax cross-entropy with soft targets and row weights, masked
 * mean squared error, and the MAE per-patch target normalisation. Gradients accumulate (+=).
 */
public final class LossRef {
    private LossRef() {}

    /** The MAE norm_pix_loss epsilon: target = (t − μ)/sqrt(var + 1e-6) (ssl-spec.md §2.9). */
    public static final double NORM_PIX_EPS = 1e-6;

    /**
     * loss = Σ_r w_r · (−Σ_k t_rk · log softmax(logits_r)_k); logits, targets [rows, classes],
     * rowWeights [rows]. log softmax is logit − max − log Σ exp(logit − max), finite for any finite
     * logits. When {@code dlogits} is not null it accumulates w_r · (softmax_r · Σ_k t_rk − t_r).
     */
    public static double softmaxCrossEntropy(double[] logits, double[] targets, double[] rowWeights, double[] dlogits,
                                             int rows, int classes) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) max = Math.max(max, logits[base + k]);
            double sumExp = 0;
            for (int k = 0; k < classes; k++) sumExp += Math.exp(logits[base + k] - max);
            double logSumExp = Math.log(sumExp);
            double rowLoss = 0, targetSum = 0;
            for (int k = 0; k < classes; k++) {
                double t = targets[base + k];
                if (t != 0) rowLoss -= t * (logits[base + k] - max - logSumExp);
                targetSum += t;
            }
            double w = rowWeights[r];
            total += w * rowLoss;
            if (dlogits != null) {
                for (int k = 0; k < classes; k++) {
                    double p = Math.exp(logits[base + k] - max - logSumExp);
                    dlogits[base + k] += w * (p * targetSum - targets[base + k]);
                }
            }
        }
        return total;
    }

    /**
     * loss = Σ_r mask_r · Σ_p (pred − target)² / (width · Σ_r mask_r), i.e. the mask-weighted mean
     * over rows of the per-row mean squared error (MAE: rows are patches); 0 when Σ mask = 0.
     * pred, target [rows, width]; mask [rows]. When {@code dpred} is not null it accumulates
     * 2 · mask_r · (pred − target) / (width · Σ mask).
     */
    public static double maskedMse(double[] pred, double[] target, double[] mask, double[] dpred, int rows, int width) {
        double maskSum = 0;
        for (int r = 0; r < rows; r++) maskSum += mask[r];
        if (maskSum == 0) return 0;
        double scale = 1.0 / (width * maskSum);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double sq = 0;
            for (int p = 0; p < width; p++) {
                double d = pred[base + p] - target[base + p];
                sq += d * d;
                if (dpred != null) dpred[base + p] += 2 * scale * mask[r] * d;
            }
            total += mask[r] * sq;
        }
        return total * scale;
    }

    /**
     * MAE norm_pix target: each row (patch) becomes (t − μ)/sqrt(var + 1e-6), with the unbiased
     * variance (divisor width − 1) because MAE uses torch's {@code target.var(dim=-1)}.
     */
    public static void normPixTarget(double[] target, double[] out, int rows, int width) {
        if (width < 2) throw new IllegalArgumentException("norm_pix needs at least 2 values per patch, got " + width);
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double sum = 0;
            for (int p = 0; p < width; p++) sum += target[base + p];
            double mu = sum / width;
            double sumSq = 0;
            for (int p = 0; p < width; p++) {
                double c = target[base + p] - mu;
                sumSq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sumSq / (width - 1) + NORM_PIX_EPS);
            for (int p = 0; p < width; p++) out[base + p] = (target[base + p] - mu) * inv;
        }
    }
}
