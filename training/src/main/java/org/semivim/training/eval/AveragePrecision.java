package org.semivim.training.eval;

import java.util.Arrays;

/**
 * Average precision of one binary ranking, as scikit-learn's {@code average_precision_score}:
 * AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct score thresholds taken from high to low, where Pₙ and
 * Rₙ are precision and recall when every sample scoring ≥ the n-th threshold is called positive.
 * Samples with equal scores enter together (one threshold), so the result does not depend on
 * their order. No interpolation. NaN scores rank below every number.
 */
public final class AveragePrecision {
    private AveragePrecision() {}

    /** AP of {@code scores} [N] against {@code positive} [N]; NaN when there is no positive. */
    public static double of(double[] scores, boolean[] positive) {
        int n = scores.length;
        if (positive.length != n) throw new IllegalArgumentException("scores [" + n + "] and positive [" + positive.length + "] differ in length");
        int positives = 0;
        for (boolean p : positive) if (p) positives++;
        if (positives == 0) return Double.NaN;

        double[] key = new double[n];  // NaN → −∞ so it sorts last
        for (int i = 0; i < n; i++) key[i] = Double.isNaN(scores[i]) ? Double.NEGATIVE_INFINITY : scores[i];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(key[b], key[a]));

        double ap = 0;
        double previousRecall = 0;
        long truePositives = 0;
        long falsePositives = 0;
        for (int start = 0; start < n; ) {
            int end = start;  // [start, end) is one group of equal scores: one threshold
            while (end < n && key[order[end]] == key[order[start]]) {
                if (positive[order[end]]) truePositives++;
                else falsePositives++;
                end++;
            }
            double recall = (double) truePositives / positives;
            double precision = (double) truePositives / (truePositives + falsePositives);
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
            start = end;
        }
        return ap;
    }
}
