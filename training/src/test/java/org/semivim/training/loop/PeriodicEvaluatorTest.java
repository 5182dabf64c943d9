package org.semivim.training.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.DatasetInference;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Evaluation inside the loop: schedule, no effect on training, selection on validation only, resume. */
class PeriodicEvaluatorTest {

    private static TrainConfig config(String method, long steps, long evalEvery) {
        Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.1), steps);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        m.put("eval_every", evalEvery);
        return TinyRuns.config(m);
    }

    @Test
    void evaluationRunsEveryEvalEveryStepsAndAtTheEndAndDoesNotChangeTraining() {
        TrainConfig c = config("lyapema", 5, 2);
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer plain = new ReferenceTrainer(c, data);
        plain.run();

        ReferenceTrainer evaluated = new ReferenceTrainer(c, data);
        PeriodicEvaluator evaluator = new PeriodicEvaluator(evaluated, data);
        List<EvaluationRecord> records = new ArrayList<>();
        evaluator.addListener(records::add);
        evaluated.addListener(evaluator);
        evaluated.run();

        assertArrayEquals(plain.studentParameters(), evaluated.studentParameters(), "θS bit-identical with evaluation on and off");
        assertArrayEquals(plain.teacherParameters(), evaluated.teacherParameters(), "θT bit-identical with evaluation on and off");
        assertEquals(plain.state().methodState(), evaluated.state().methodState());
        assertEquals(List.of(2L, 4L, 5L, 5L), records.stream().map(EvaluationRecord::step).toList());
        assertEquals(List.of("eval", "eval", "eval", "best"), records.stream().map(EvaluationRecord::type).toList());
        EvaluationRecord first = records.get(0);
        assertEquals("teacher", first.primary());
        assertEquals(List.of("student", "teacher"), List.copyOf(first.validation().keySet()));
        assertEquals(List.of("student", "teacher"), List.copyOf(first.test().keySet()));
        int validationSize = data.split().validation().length;
        assertEquals(validationSize, first.primaryValidation().samples());
        assertEquals(data.test().count(), first.primaryTest().samples());
    }

    @Test
    void theBestPointIsChosenByThePrimaryModelsValidationTop1AndItsParametersAreKept(@TempDir Path dir) throws IOException {
        TrainConfig c = config("ema_teacher", 8, 1);
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer trainer = new ReferenceTrainer(c, data);
        Path bestFile = dir.resolve("best.safetensors");
        PeriodicEvaluator evaluator = new PeriodicEvaluator(trainer, data, 1, 7, PeriodicEvaluator.TestSchedule.END_ONLY, bestFile);
        List<EvaluationRecord> records = new ArrayList<>();
        List<float[]> teachers = new ArrayList<>();
        evaluator.addListener(r -> {
            records.add(r);
            if (r.type().equals(EvaluationRecord.PERIODIC)) teachers.add(trainer.teacherParameters());
        });
        trainer.addListener(evaluator);
        trainer.run();

        List<EvaluationRecord> periodic = records.stream().filter(r -> r.type().equals("eval")).toList();
        assertEquals(8, periodic.size());
        int argmax = 0;
        for (int i = 1; i < periodic.size(); i++) {
            if (periodic.get(i).primaryValidation().top1() > periodic.get(argmax).primaryValidation().top1()) argmax = i;
        }
        PeriodicEvaluator.Best best = evaluator.best().orElseThrow();
        assertEquals(periodic.get(argmax).step(), best.step(), "the first maximum of the teacher's validation top-1");
        assertArrayEquals(teachers.get(argmax), best.parameters());
        for (int i = 0; i < periodic.size() - 1; i++) assertTrue(periodic.get(i).test().isEmpty(), "END_ONLY: no test before the end");
        assertFalse(periodic.get(periodic.size() - 1).test().isEmpty());

        // the best point's test evaluation is of the kept parameters, and best.safetensors holds them under official names
        ImageClassifier reloaded = c.model().create(Ops.cpu(), 99);
        Safetensors.loadInto(reloaded.parameters(), bestFile, true);
        assertArrayEquals(best.parameters(), reloaded.parameters().flatValues().toArray());
        Evaluation again = DatasetInference.evaluate(reloaded, data.test(),
                new org.semivim.data.augment.BatchAugmenter(data.test(), new org.semivim.data.augment.FixMatchAugment(0,
                        org.semivim.data.augment.AugmentConfig.fixMatch(data.test().height())), org.semivim.data.augment.Normalization.fashionMnist()),
                DatasetInference.allIndices(data.test()), 5, new org.semivim.training.eval.Evaluator(data.split().protocol().labeledCounts()));
        assertEquals(again, best.test());
        EvaluationRecord summary = records.get(records.size() - 1);
        assertEquals(EvaluationRecord.BEST, summary.type());
        assertEquals(best.step(), summary.bestStep());
        assertEquals(best.test(), summary.primaryTest());
    }

    @Test
    void supervisedSelectsOnTheStudent() {
        TrainConfig c = config("supervised", 2, 1);
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer trainer = new ReferenceTrainer(c, data);
        PeriodicEvaluator evaluator = new PeriodicEvaluator(trainer, data);
        trainer.addListener(evaluator);
        trainer.run();
        assertEquals("student", evaluator.primary());
        assertEquals(List.of("student"), List.copyOf(evaluator.last().orElseThrow().validation().keySet()));
    }

    @Test
    void theBestPointSurvivesACheckpointAndResume(@TempDir Path dir) throws IOException {
        TrainConfig c = config("fixmatch", 6, 1);
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer whole = new ReferenceTrainer(c, data);
        PeriodicEvaluator wholeEval = new PeriodicEvaluator(whole, data, 1, 16, PeriodicEvaluator.TestSchedule.END_ONLY, null);
        whole.addListener(wholeEval);
        whole.run();

        CheckpointStore store = new CheckpointStore(dir);
        ReferenceTrainer first = new ReferenceTrainer(c, data);
        PeriodicEvaluator firstEval = new PeriodicEvaluator(first, data, 1, 16, PeriodicEvaluator.TestSchedule.END_ONLY, null);
        first.addListener(firstEval);
        first.run(3);
        TrainCheckpoints.save(store, first, firstEval);
        PeriodicEvaluator.Best atCheckpoint = firstEval.best().orElseThrow();

        ReferenceTrainer resumed = new ReferenceTrainer(c, data);
        PeriodicEvaluator resumedEval = new PeriodicEvaluator(resumed, data, 1, 16, PeriodicEvaluator.TestSchedule.END_ONLY, null);
        assertTrue(TrainCheckpoints.resume(store, resumed, resumedEval).isPresent());
        PeriodicEvaluator.Best restored = resumedEval.best().orElseThrow();
        assertEquals(atCheckpoint.step(), restored.step());
        assertEquals(atCheckpoint.validation(), restored.validation());
        assertArrayEquals(atCheckpoint.parameters(), restored.parameters());

        resumed.addListener(resumedEval);
        resumed.run();
        PeriodicEvaluator.Best a = wholeEval.best().orElseThrow(), b = resumedEval.best().orElseThrow();
        assertEquals(a.step(), b.step());
        assertEquals(a.validation(), b.validation());
        assertEquals(a.test(), b.test());
        assertArrayEquals(a.parameters(), b.parameters());
        assertArrayEquals(whole.teacherParameters(), resumed.teacherParameters());

        // the plain resume (no evaluator) still reads a checkpoint that holds the evaluator's group
        ReferenceTrainer plain = new ReferenceTrainer(c, data);
        assertEquals(3, TrainCheckpoints.resume(store, plain).orElseThrow().checkpoint().step());
        assertEquals(3, plain.nextStep());
    }
}
