package org.semivim.cli.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.eval.Evaluator;
import org.semivim.training.eval.ScoreKind;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RunEvaluationTest {

    private static Evaluation evaluation() {
        // 3 classes, 4 samples: class 0 right, class 1 right twice, class 2 predicted as 1
        Tensor scores = Tensor.wrap(new float[] {
                3, 1, 0,
                0, 2, 1,
                0, 5, 1,
                1, 4, 2}, 4, 3);
        return new Evaluator(new int[] {5, 20, 1}).evaluate(scores, ScoreKind.LOGITS, new int[] {0, 1, 1, 2});
    }

    @Test
    void writesAndReadsBackTheSameValues(@TempDir Path dir) throws Exception {
        RunEvaluation e = new RunEvaluation(7, 4, List.of("a", "b", "c"), List.of(5, 20, 1), evaluation(), null);
        e.write(dir);
        RunEvaluation back = RunEvaluation.read(dir);
        assertEquals(e.step(), back.step());
        assertEquals(e.classNames(), back.classNames());
        assertEquals(e.labeledCounts(), back.labeledCounts());
        assertEquals(e.student().toJson(), back.student().toJson(), "NaN and all values survive the file");
        assertNull(back.teacher());
        assertNull(RunEvaluation.read(dir.resolve("none")), "no file: no evaluation");
    }

    @Test
    void summaryListsPerClassRecallFromHeadToTail() {
        String s = new RunEvaluation(7, 4, List.of("alpha", "beta", "gamma"), List.of(5, 20, 1), evaluation(), evaluation()).summary();
        int beta = s.indexOf(" beta "), alpha = s.indexOf(" alpha "), gamma = s.indexOf(" gamma ");
        assertTrue(beta > 0 && beta < alpha && alpha < gamma, "head (20) to tail (1): " + s);
        assertTrue(s.contains("student 0.0000  teacher 0.0000"), "class gamma is never right: " + s);
        assertTrue(s.contains("student 1.0000"), s);
        assertTrue(s.contains("0.7500"), "top-1 3 of 4: " + s);
    }

    @Test
    void evaluationLimitTakesTheFirstImagesOfEachClass() {
        ImageDataset test = GeneratedDataset.create(1, 3, 4, 8);
        int[] all = RunEvaluation.testIndices(test, 0);
        assertEquals(12, all.length);
        int[] two = RunEvaluation.testIndices(test, 2);
        assertEquals(6, two.length);
        for (int k = 0; k < 3; k++) {
            assertEquals(test.indicesOfClass(k)[0], two[2 * k]);
            assertEquals(test.indicesOfClass(k)[1], two[2 * k + 1]);
        }
        assertEquals(12, RunEvaluation.testIndices(test, 100).length, "a limit above the class size takes the class");
    }
}
