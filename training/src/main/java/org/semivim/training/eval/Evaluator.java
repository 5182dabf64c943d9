package org.semivim.training.eval;

import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Computes an {@link Evaluation} from a score matrix [N,K] (logits or probabilities) and the true
 * labels (docs/evaluation.md). Pure and deterministic; all sums in double.
 *
 * <p>Ranking rule, for argmax and top-k alike: a higher score ranks first; equal scores rank by
 * lower class index first; NaN ranks below every number (and equal to another NaN). The rank of
 * the true class y is {@code #{j : s_j > s_y} + #{j < y : s_j = s_y}}; a sample is top-k correct
 * when that rank is below k, and its prediction is the class of rank 0.
 *
 * <p>Macro averages (precision, recall, F1, AP) and balanced accuracy run over the classes that
 * occur in the labels (on the balanced test set, all K); a class never predicted has precision 0.
 */
public final class Evaluator {
    /** k of the "top-5" metric, capped at K. */
    public static final int TOP_K = 5;
    /** One class receiving more than this share of the predictions marks a collapsed run. */
    public static final double COLLAPSE_MAX_SHARE = 0.9;
    /** A top-1 below this multiple of chance (1/K) marks a collapsed run: 20% for K = 10. */
    public static final double COLLAPSE_CHANCE_MULTIPLE = 2.0;

    private final int[] labeledCounts;
    private final ClassGroups byRank;
    private final ClassGroups byThreshold;

    /** @param labeledCounts labeled training samples per class [K]; they define many/medium/few */
    public Evaluator(int[] labeledCounts) {
        if (labeledCounts == null || labeledCounts.length < 2) {
            throw new IllegalArgumentException("evaluation needs labeled counts for at least 2 classes, got "
                    + (labeledCounts == null ? "null" : Arrays.toString(labeledCounts)));
        }
        for (int c : labeledCounts) if (c < 0) throw new IllegalArgumentException("labeled counts must be >= 0: " + Arrays.toString(labeledCounts));
        this.labeledCounts = labeledCounts.clone();
        this.byRank = ClassGroups.byRank(labeledCounts);
        this.byThreshold = ClassGroups.byThreshold(labeledCounts);
    }

    public int numClasses() {
        return labeledCounts.length;
    }

    /** @param scores [N,K] logits or probabilities, as {@code kind} says; @param labels [N] true classes */
    public Evaluation evaluate(Tensor scores, ScoreKind kind, int[] labels) {
        int classes = numClasses();
        int n = checkInputs(scores, labels);
        int topK = Math.min(TOP_K, classes);

        int[][] confusion = new int[classes][classes];  // [true][predicted]
        int[] support = new int[classes];
        int[] predictedCount = new int[classes];
        int top1Correct = 0;
        int topKCorrect = 0;
        int nonFiniteRows = 0;
        for (int i = 0; i < n; i++) {
            int base = scores.offset + i * classes;
            int y = labels[i];
            if (!rowFinite(scores.data, base, classes)) nonFiniteRows++;
            int predicted = argmax(scores.data, base, classes);
            if (predicted == y) top1Correct++;
            if (rankOf(scores.data, base, classes, y) < topK) topKCorrect++;
            confusion[y][predicted]++;
            support[y]++;
            predictedCount[predicted]++;
        }

        double[] recall = new double[classes];     // [K], NaN without samples
        double[] precision = new double[classes];  // [K], 0 when never predicted
        double[] f1 = new double[classes];         // [K]
        for (int k = 0; k < classes; k++) {
            int tp = confusion[k][k];
            recall[k] = support[k] == 0 ? Double.NaN : (double) tp / support[k];
            precision[k] = predictedCount[k] == 0 ? 0.0 : (double) tp / predictedCount[k];
            double r = support[k] == 0 ? 0.0 : recall[k];
            f1[k] = precision[k] + r == 0 ? 0.0 : 2 * precision[k] * r / (precision[k] + r);
        }
        double[] averagePrecision = averagePrecisions(scores, kind, labels, n, support);
        double top1 = (double) top1Correct / n;
        double balanced = meanOverPresent(recall, support);
        double[] share = new double[classes];  // [K]
        for (int k = 0; k < classes; k++) share[k] = (double) predictedCount[k] / n;
        List<String> collapse = collapseReasons(top1, share);

        return new Evaluation(n, classes, top1, topK, (double) topKCorrect / n, balanced,
                boxed(support), boxed(recall), boxed(precision), boxed(f1),
                meanOverPresent(precision, support), balanced, meanOverPresent(f1, support),
                boxed(averagePrecision), meanOverPresent(averagePrecision, support),
                confusionCounts(confusion), confusionNormalized(confusion, support), boxed(share),
                GroupAccuracy.of(byRank, recall), GroupAccuracy.of(byThreshold, recall),
                nonFiniteRows, !collapse.isEmpty(), collapse);
    }

    /**
     * Top-k accuracy for any 1 ≤ k ≤ K under the ranking rule of the class comment:
     * #{i : rank of y_i < k} / N. {@code scores} [N,K], {@code labels} [N].
     */
    public static double topKAccuracy(Tensor scores, int[] labels, int k) {
        if (scores == null || scores.rank() != 2) throw new IllegalArgumentException("scores: expected shape [N, K], got "
                + (scores == null ? "null" : Arrays.toString(scores.shape())));
        int n = scores.dim(0);
        int classes = scores.dim(1);
        if (k < 1 || k > classes) throw new IllegalArgumentException("k must be in [1, " + classes + "], got " + k);
        if (labels == null || labels.length != n) throw new IllegalArgumentException("labels: expected " + n + " (one per score row)");
        if (n == 0) throw new IllegalArgumentException("scores: cannot evaluate 0 samples");
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
            if (rankOf(scores.data, scores.offset + i * classes, classes, labels[i]) < k) correct++;
        }
        return (double) correct / n;
    }

    /** Why a run with this top-1 and prediction distribution counts as failed (ssl-spec.md §4.4); empty if it does not. */
    static List<String> collapseReasons(double top1, double[] predictedShare) {
        int classes = predictedShare.length;
        List<String> reasons = new ArrayList<>();
        double floor = COLLAPSE_CHANCE_MULTIPLE / classes;
        if (top1 < floor) {
            reasons.add(String.format("top-1 %.4f is below %.1f x chance (%.4f)", top1, COLLAPSE_CHANCE_MULTIPLE, floor));
        }
        for (int k = 0; k < classes; k++) {
            if (predictedShare[k] > COLLAPSE_MAX_SHARE) {
                reasons.add(String.format("class %d receives %.4f of the predictions (more than %.2f)", k, predictedShare[k], COLLAPSE_MAX_SHARE));
            }
        }
        return reasons;
    }

    /** Rank of class {@code y} in the row at {@code base} under the rule of the class comment. */
    static int rankOf(float[] s, int base, int classes, int y) {
        double sy = key(s[base + y]);
        int rank = 0;
        for (int j = 0; j < classes; j++) {
            double sj = key(s[base + j]);
            if (sj > sy || (j < y && sj == sy)) rank++;
        }
        return rank;
    }

    /** The class of rank 0: the first index of the highest score (NaN lowest). */
    static int argmax(float[] s, int base, int classes) {
        int best = 0;
        for (int j = 1; j < classes; j++) if (key(s[base + j]) > key(s[base + best])) best = j;
        return best;
    }

    /** NaN ranks below every number, −∞ included; −∞ and NaN tie (both below all finite scores). */
    private static double key(float v) {
        return Float.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }

    private double[] averagePrecisions(Tensor scores, ScoreKind kind, int[] labels, int n, int[] support) {
        int classes = numClasses();
        double[][] byClass = new double[classes][n];  // [K][N] ranking score of class k for sample i
        double[] row = new double[classes];
        for (int i = 0; i < n; i++) {
            int base = scores.offset + i * classes;
            for (int k = 0; k < classes; k++) row[k] = scores.data[base + k];
            if (kind == ScoreKind.LOGITS) softmaxInPlace(row);
            for (int k = 0; k < classes; k++) byClass[k][i] = row[k];
        }
        double[] ap = new double[classes];
        boolean[] positive = new boolean[n];
        for (int k = 0; k < classes; k++) {
            if (support[k] == 0) {
                ap[k] = Double.NaN;
                continue;
            }
            for (int i = 0; i < n; i++) positive[i] = labels[i] == k;
            ap[k] = AveragePrecision.of(byClass[k], positive);
        }
        return ap;
    }

    /**
     * Softmax in double with NaN taken as −∞: a row whose maximum is +∞ puts equal mass on its +∞
     * entries; a row with no number above −∞ becomes uniform.
     */
    static void softmaxInPlace(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < row.length; k++) {
            if (Double.isNaN(row[k])) row[k] = Double.NEGATIVE_INFINITY;
            max = Math.max(max, row[k]);
        }
        if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
            double top = max;
            int count = 0;
            for (double v : row) if (v == top) count++;
            for (int k = 0; k < row.length; k++) row[k] = row[k] == top ? 1.0 / count : 0.0;
            return;
        }
        double sum = 0;
        for (int k = 0; k < row.length; k++) {
            row[k] = Math.exp(row[k] - max);
            sum += row[k];
        }
        for (int k = 0; k < row.length; k++) row[k] /= sum;
    }

    private int checkInputs(Tensor scores, int[] labels) {
        int classes = numClasses();
        if (scores == null || labels == null) throw new IllegalArgumentException("scores and labels must not be null");
        if (scores.rank() != 2 || scores.dim(1) != classes) {
            throw new IllegalArgumentException("scores: expected shape [N, " + classes + "], got " + Arrays.toString(scores.shape()));
        }
        int n = scores.dim(0);
        if (n == 0) throw new IllegalArgumentException("scores: cannot evaluate 0 samples");
        if (labels.length != n) throw new IllegalArgumentException("labels: expected " + n + " (one per score row), got " + labels.length);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
        }
        return n;
    }

    private static boolean rowFinite(float[] s, int base, int classes) {
        for (int j = 0; j < classes; j++) if (!Float.isFinite(s[base + j])) return false;
        return true;
    }

    private static double meanOverPresent(double[] values, int[] support) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < values.length; k++) {
            if (support[k] > 0) {
                sum += values[k];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static List<List<Integer>> confusionCounts(int[][] confusion) {
        List<List<Integer>> rows = new ArrayList<>();
        for (int[] row : confusion) rows.add(boxed(row));
        return rows;
    }

    private static List<List<Double>> confusionNormalized(int[][] confusion, int[] support) {
        List<List<Double>> rows = new ArrayList<>();
        for (int k = 0; k < confusion.length; k++) {
            double[] row = new double[confusion.length];
            for (int j = 0; j < row.length; j++) row[j] = support[k] == 0 ? 0.0 : (double) confusion[k][j] / support[k];
            rows.add(boxed(row));
        }
        return rows;
    }

    private static List<Double> boxed(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
