package org.semivim.training.eval;

import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassGroupsAndJsonTest {
    /** Protocol A1 labeled counts (ssl-spec.md §4.2). */
    static final int[] A1 = {1500, 899, 539, 323, 193, 116, 69, 41, 25, 15};

    @Test
    void protocolA1SplitsAsTheSpecSays() {
        // ssl-spec.md §4.4: rank → {0,1,2}, {3..6}, {7,8,9}; thresholds → {0..5}, {6,7,8}, {9}
        assertEquals(new ClassGroups(List.of(0, 1, 2), List.of(3, 4, 5, 6), List.of(7, 8, 9)), ClassGroups.byRank(A1));
        assertEquals(new ClassGroups(List.of(0, 1, 2, 3, 4, 5), List.of(6, 7, 8), List.of(9)), ClassGroups.byThreshold(A1));
    }

    @Test
    void rankSplitFollowsCountsNotIndicesAndBreaksTiesByIndex() {
        // reversed profile: the head is class 9
        int[] reversed = {15, 25, 41, 69, 116, 193, 323, 539, 899, 1500};
        assertEquals(new ClassGroups(List.of(7, 8, 9), List.of(3, 4, 5, 6), List.of(0, 1, 2)), ClassGroups.byRank(reversed));
        int[] equal = new int[10];
        java.util.Arrays.fill(equal, 50);
        assertEquals(new ClassGroups(List.of(0, 1, 2), List.of(3, 4, 5, 6), List.of(7, 8, 9)), ClassGroups.byRank(equal));
        // thresholds at their edges: 101 many, 100 and 20 medium, 19 few
        assertEquals(new ClassGroups(List.of(0), List.of(1, 2), List.of(3)), ClassGroups.byThreshold(new int[] {101, 100, 20, 19}));
    }

    @Test
    void rankSplitSizesGeneraliseAsRoundThirtyPercent() {
        int[][] expectedSizes = {{2, 1, 0, 1}, {3, 1, 1, 1}, {4, 1, 2, 1}, {5, 2, 1, 2}, {10, 3, 4, 3}, {100, 30, 40, 30}, {1000, 300, 400, 300}};
        for (int[] c : expectedSizes) {
            int[] counts = new int[c[0]];
            for (int k = 0; k < counts.length; k++) counts[k] = counts.length - k;
            ClassGroups g = ClassGroups.byRank(counts);
            assertEquals(List.of(c[1], c[2], c[3]), List.of(g.many().size(), g.medium().size(), g.few().size()), "C = " + c[0]);
        }
    }

    @Test
    void evaluationRoundTripsThroughJsonIncludingNaN() {
        Evaluation e = new Evaluator(EvaluatorTest.LABELED).evaluate(Tensor.wrap(EvaluatorTest.SCORES.clone(), 7, 3),
                ScoreKind.PROBABILITIES, EvaluatorTest.LABELS);
        assertTrue(Double.isNaN(e.byThreshold().few()));
        String json = e.toJson();
        assertTrue(json.contains("\"top1\":0.5714285714285714"), json);
        assertTrue(json.contains("\"few\":\"NaN\""), json);
        assertEquals(e, Evaluation.fromJson(json));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.fromJson("{\"top1\": \"high\"}"));
    }

    @Test
    void evaluationIsImmutable() {
        Evaluation e = new Evaluator(EvaluatorTest.LABELED).evaluate(Tensor.wrap(EvaluatorTest.SCORES.clone(), 7, 3),
                ScoreKind.PROBABILITIES, EvaluatorTest.LABELS);
        assertThrows(UnsupportedOperationException.class, () -> e.perClassAccuracy().set(0, 1.0));
        assertThrows(UnsupportedOperationException.class, () -> e.confusion().get(0).set(0, 9));
        assertThrows(UnsupportedOperationException.class, () -> e.byRank().groups().many().add(5));
    }

    @Test
    void averagePrecisionByHandWithTies() {
        // .9(+) .8(−) .7(+) .6(−): 1/2·1 + 1/2·(2/3) = 5/6
        assertEquals(5 / 6.0, AveragePrecision.of(new double[] {.9, .8, .7, .6}, new boolean[] {true, false, true, false}), 1e-12);
        // a tie at .9 between a positive and a negative counts as one threshold: 1/2·(1/2) + 1/2·(2/3) = 7/12,
        // whichever order the tied samples are given in
        assertEquals(7 / 12.0, AveragePrecision.of(new double[] {.9, .9, .5}, new boolean[] {true, false, true}), 1e-12);
        assertEquals(7 / 12.0, AveragePrecision.of(new double[] {.9, .9, .5}, new boolean[] {false, true, true}), 1e-12);
        // NaN ranks last: the positive with NaN comes after both negatives: 1/2·1 + 1/2·(2/4) = 3/4
        assertEquals(.75, AveragePrecision.of(new double[] {Double.NaN, .9, .2, .1}, new boolean[] {true, true, false, false}), 1e-12);
        assertTrue(Double.isNaN(AveragePrecision.of(new double[] {.3}, new boolean[] {false})));
    }
}
