package org.semivim.training.eval;

import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every expected value below is worked out by hand in the comments; tolerance 1e-12 covers double rounding only. */
class EvaluatorTest {
    static final double EPS = 1e-12;

    /**
     * K = 3, N = 7 probabilities. Predictions (argmax, ties → lower index):
     * <pre>
     *   i  y  scores            pred
     *   0  0  .8  .1  .1        0
     *   1  0  .6  .3  .1        0
     *   2  0  .3  .4  .3        1
     *   3  1  .2  .7  .1        1
     *   4  1  .1  .2  .7        2
     *   5  2  .1  .1  .8        2
     *   6  2  .2  .4  .4        1   (tie of classes 1 and 2 → 1)
     * </pre>
     * confusion rows (true) [2,1,0] [0,1,1] [0,1,1]; column sums [2,3,2].
     */
    static final float[] SCORES = {
        .8f, .1f, .1f,
        .6f, .3f, .1f,
        .3f, .4f, .3f,
        .2f, .7f, .1f,
        .1f, .2f, .7f,
        .1f, .1f, .8f,
        .2f, .4f, .4f};
    static final int[] LABELS = {0, 0, 0, 1, 1, 2, 2};
    /** Rank split: many {1}, medium {0}, few {2}; threshold split: many {1} (200 > 100), medium {0, 2} (100 and 20), few {}. */
    static final int[] LABELED = {100, 200, 20};

    @Test
    void smallCaseEveryMetricByHand() {
        // the scores as a view at an offset, to check the evaluator honours Tensor.offset
        float[] padded = new float[SCORES.length + 5];
        System.arraycopy(SCORES, 0, padded, 5, SCORES.length);
        Evaluation e = new Evaluator(LABELED).evaluate(Tensor.view(padded, 5, 7, 3), ScoreKind.PROBABILITIES, LABELS);

        assertEquals(7, e.samples());
        assertEquals(3, e.topK());
        assertEquals(4.0 / 7, e.top1(), EPS);
        assertEquals(1.0, e.top5(), EPS);  // k = min(5, 3) = 3 covers every class
        assertEquals(List.of(3, 2, 2), e.support());
        assertEquals(List.of(List.of(2, 1, 0), List.of(0, 1, 1), List.of(0, 1, 1)), e.confusion());
        assertClose(List.of(List.of(2 / 3.0, 1 / 3.0, 0.0), List.of(0.0, .5, .5), List.of(0.0, .5, .5)), e.confusionNormalized());
        assertClose(List.of(2 / 3.0, .5, .5), e.perClassAccuracy());
        assertEquals((2 / 3.0 + .5 + .5) / 3, e.balancedAccuracy(), EPS);           // 5/9
        assertEquals(e.balancedAccuracy(), e.macroRecall(), EPS);
        assertClose(List.of(1.0, 1 / 3.0, .5), e.precision());                     // 2/2, 1/3, 1/2
        assertEquals((1 + 1 / 3.0 + .5) / 3, e.macroPrecision(), EPS);             // 11/18
        assertClose(List.of(.8, .4, .5), e.f1());                                  // 2PR/(P+R)
        assertEquals((.8 + .4 + .5) / 3, e.macroF1(), EPS);
        assertClose(List.of(2 / 7.0, 3 / 7.0, 2 / 7.0), e.predictedShare());
        // AP, class 0: positives .8 .6 .3 rank above every negative → 1.
        // class 1: .7(+) | .4 .4 (−) | .3 (−) | .2(+) → 1/2·1 + 1/2·(2/5) = 0.7.
        // class 2: .8(+) | .7(−) | .4(+) → 1/2·1 + 1/2·(2/3) = 5/6.
        assertClose(List.of(1.0, .7, 5 / 6.0), e.averagePrecision());
        assertEquals((1 + .7 + 5 / 6.0) / 3, e.meanAveragePrecision(), EPS);
        // groups: by rank many {1} → 1/2, medium {0} → 2/3, few {2} → 1/2
        assertEquals(new ClassGroups(List.of(1), List.of(0), List.of(2)), e.byRank().groups());
        assertEquals(.5, e.byRank().many(), EPS);
        assertEquals(2 / 3.0, e.byRank().medium(), EPS);
        assertEquals(.5, e.byRank().few(), EPS);
        // by threshold many {1}, medium {0, 2} → (2/3 + 1/2)/2, few {} → NaN
        assertEquals(new ClassGroups(List.of(1), List.of(0, 2), List.of()), e.byThreshold().groups());
        assertEquals(7 / 12.0, e.byThreshold().medium(), EPS);
        assertTrue(Double.isNaN(e.byThreshold().few()));
        assertEquals(0, e.nonFiniteRows());
        // K = 3: 2 × chance = 2/3 > 4/7, so this run counts as collapsed, by top-1 only
        assertTrue(e.collapsed());
        assertEquals(List.of("top-1 0.5714 is below 2.0 x chance (0.6667)"), e.collapseReasons());
    }

    @Test
    void logitsGiveTheSameArgmaxMetricsAndSoftmaxForAveragePrecision() {
        float[] logits = new float[SCORES.length];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.log(SCORES[i]) + 3f;  // softmax(log p + c) = p: rows sum to 1
        Evaluation fromProbs = new Evaluator(LABELED).evaluate(Tensor.wrap(SCORES, 7, 3), ScoreKind.PROBABILITIES, LABELS);
        Evaluation fromLogits = new Evaluator(LABELED).evaluate(Tensor.wrap(logits, 7, 3), ScoreKind.LOGITS, LABELS);
        assertEquals(fromProbs.confusion(), fromLogits.confusion());
        assertEquals(fromProbs.top1(), fromLogits.top1());
        for (int k = 0; k < 3; k++) assertEquals(fromProbs.averagePrecision().get(k), fromLogits.averagePrecision().get(k), 1e-9);

        // where the raw logit of a class and its probability rank samples differently, AP uses the probability:
        // sample a: z = [0, 1] → p1 = 0.73 (positive for class 1); sample b: z = [5, 2] → p1 = 0.047 (negative).
        // By raw z1, b (2) would rank above a (1) and give AP 0.5; by probability a ranks first: AP 1.
        Tensor z = Tensor.wrap(new float[] {0, 1, 5, 2}, 2, 2);
        Evaluation e = new Evaluator(new int[] {10, 10}).evaluate(z, ScoreKind.LOGITS, new int[] {1, 0});
        assertEquals(1.0, e.averagePrecision().get(1), EPS);
        assertEquals(.5, new Evaluator(new int[] {10, 10}).evaluate(z, ScoreKind.PROBABILITIES, new int[] {1, 0}).averagePrecision().get(1), EPS);
    }

    /**
     * K = 7 (so top-5 is not trivial). The rank of y counts higher scores and equal scores at a
     * lower index; NaN ranks below everything.
     */
    @Test
    void topKTiesAndNaNFollowTheDocumentedRule() {
        float nan = Float.NaN;
        float[] s = {
            1, 1, 1, 1, 1, 1, 1,                      // y=6: six equal scores at lower index → rank 6 ✗; pred 0
            1, 1, 1, 1, 1, 1, 1,                      // y=4: rank 4 ✓; pred 0
            1, 1, 1, 1, 1, 1, 1,                      // y=5: rank 5 ✗; pred 0
            .5f, .9f, .8f, .7f, .6f, .55f, .1f,       // y=0: five higher → rank 5 ✗; pred 1
            .5f, .9f, .8f, .7f, .6f, .5f, .1f,        // y=0: four higher, the equal one is at a higher index → rank 4 ✓; pred 1
            nan, nan, 0, 0, nan, nan, nan,            // y=3: class 2 equal at lower index → rank 1 ✓; pred 2
            nan, nan, nan, nan, nan, nan, nan,        // y=1: all tie → rank 1 ✓; pred 0
            3, 1, 1, 1, 1, 1, 1};                     // y=0: rank 0 ✓; pred 0 ✓
        int[] labels = {6, 4, 5, 0, 0, 3, 1, 0};
        Evaluation e = new Evaluator(new int[] {7, 6, 5, 4, 3, 2, 1}).evaluate(Tensor.wrap(s, 8, 7), ScoreKind.PROBABILITIES, labels);
        assertEquals(5, e.topK());
        assertEquals(5 / 8.0, e.top5(), EPS);
        assertEquals(1 / 8.0, e.top1(), EPS);
        assertEquals(2, e.nonFiniteRows());
        // ranks of the true classes: 6, 4, 5, 5, 4, 1, 1, 0 → top-k counts for k = 1..7: 1, 3, 3, 3, 5, 7, 8
        double[] expectedTopK = {1 / 8.0, 3 / 8.0, 3 / 8.0, 3 / 8.0, 5 / 8.0, 7 / 8.0, 1.0};
        for (int k = 1; k <= 7; k++) assertEquals(expectedTopK[k - 1], Evaluator.topKAccuracy(Tensor.wrap(s, 8, 7), labels, k), EPS, "k = " + k);
        assertThrows(IllegalArgumentException.class, () -> Evaluator.topKAccuracy(Tensor.wrap(s, 8, 7), labels, 8));
        assertClose(List.of(5 / 8.0, 2 / 8.0, 1 / 8.0, 0.0, 0.0, 0.0, 0.0), e.predictedShare());
        assertEquals(List.of(1, 2, 0, 0, 0, 0, 0), e.confusion().get(0));  // class 0: rows 3, 4 → 1; row 7 → 0
        // no sample has label 2 → its recall is undefined (NaN) and it is left out of the macro means
        assertTrue(Double.isNaN(e.perClassAccuracy().get(2)));
        assertEquals(0.0, e.precision().get(3), EPS);  // never predicted
    }

    @Test
    void collapseWhenOneClassTakesAllPredictions() {
        // K = 10, 10 samples per class, everything predicted as class 3: top-1 0.1 < 0.2 and share 1.0 > 0.9
        Evaluation e = evaluateWithPredictions(balancedLabels(10), constant(100, 3));
        assertTrue(e.collapsed());
        assertEquals(List.of("top-1 0.1000 is below 2.0 x chance (0.2000)", "class 3 receives 1.0000 of the predictions (more than 0.90)"),
                e.collapseReasons());
        assertEquals(.1, e.balancedAccuracy(), EPS);
        assertEquals(.01, e.macroPrecision(), EPS);  // class 3: 10/100; others 0
    }

    @Test
    void collapseByShareAloneAndItsBoundary() {
        // 91 samples of class 0 and one of each other class, all predicted right: top-1 1.0, but class 0 has 0.91 of predictions
        int[] labels = new int[100];
        for (int i = 91; i < 100; i++) labels[i] = i - 90;
        Evaluation e = evaluateWithPredictions(labels, labels);
        assertEquals(1.0, e.top1(), EPS);
        assertEquals(List.of("class 0 receives 0.9100 of the predictions (more than 0.90)"), e.collapseReasons());
        // exactly 0.90 is not more than 0.90
        int[] labels90 = new int[10];
        labels90[9] = 1;
        int[] predicted90 = labels90.clone();
        Evaluation boundary = new Evaluator(new int[] {5, 5}).evaluate(oneHot(predicted90, 2), ScoreKind.PROBABILITIES, labels90);
        assertFalse(boundary.collapsed(), boundary.collapseReasons().toString());
    }

    @Test
    void collapseByTopOneAloneAndItsBoundary() {
        int[] labels = balancedLabels(10);  // 100 samples, 10 per class
        int[] predicted = new int[100];
        for (int i = 0; i < 100; i++) predicted[i] = i % 10 < 2 ? labels[i] : (labels[i] + 1) % 10;  // exactly 20 right, spread evenly
        Evaluation atFloor = evaluateWithPredictions(labels, predicted);
        assertEquals(.2, atFloor.top1(), EPS);
        assertFalse(atFloor.collapsed(), atFloor.collapseReasons().toString());
        predicted[0] = (labels[0] + 1) % 10;  // 19 right
        Evaluation below = evaluateWithPredictions(labels, predicted);
        assertEquals(List.of("top-1 0.1900 is below 2.0 x chance (0.2000)"), below.collapseReasons());
    }

    @Test
    void badInputsAreClearErrors() {
        Evaluator ev = new Evaluator(LABELED);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ev.evaluate(Tensor.zeros(7, 4), ScoreKind.LOGITS, LABELS));
        assertEquals("scores: expected shape [N, 3], got [7, 4]", shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ev.evaluate(Tensor.zeros(6, 3), ScoreKind.LOGITS, LABELS));
        assertThrows(IllegalArgumentException.class, () -> ev.evaluate(Tensor.zeros(1, 3), ScoreKind.LOGITS, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(new int[] {4}));
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(new int[] {4, -1}));
    }

    @Test
    void softmaxHandlesInfinitiesAndNaN() {
        double[] row = {Double.POSITIVE_INFINITY, 0, Double.POSITIVE_INFINITY};
        Evaluator.softmaxInPlace(row);
        assertEquals(List.of(.5, 0.0, .5), List.of(row[0], row[1], row[2]));
        double[] dead = {Double.NaN, Double.NEGATIVE_INFINITY};
        Evaluator.softmaxInPlace(dead);
        assertEquals(List.of(.5, .5), List.of(dead[0], dead[1]));
        double[] plain = {Double.NaN, 0, Math.log(3)};
        Evaluator.softmaxInPlace(plain);
        assertEquals(0.0, plain[0]);
        assertEquals(.25, plain[1], EPS);
        assertEquals(.75, plain[2], EPS);
    }

    static int[] balancedLabels(int perClass) {
        int[] labels = new int[10 * perClass];
        for (int i = 0; i < labels.length; i++) labels[i] = i / perClass;
        return labels;
    }

    static int[] constant(int n, int value) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, value);
        return out;
    }

    static Tensor oneHot(int[] predicted, int classes) {
        Tensor t = Tensor.zeros(predicted.length, classes);
        for (int i = 0; i < predicted.length; i++) t.set(i * classes + predicted[i], 1f);
        return t;
    }

    static Evaluation evaluateWithPredictions(int[] labels, int[] predicted) {
        int[] counts = new int[10];
        java.util.Arrays.fill(counts, 10);
        return new Evaluator(counts).evaluate(oneHot(predicted, 10), ScoreKind.PROBABILITIES, labels);
    }

    static void assertClose(List<?> expected, List<?> actual) {
        assertEquals(expected.size(), actual.size(), "size");
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) instanceof List<?> row) {
                assertClose(row, (List<?>) actual.get(i));
            } else {
                assertEquals((Double) expected.get(i), (Double) actual.get(i), EPS, "element " + i + " of " + actual);
            }
        }
    }
}
