package org.semivim.training.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.TeacherInference;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.testing.TinyRuns;
import org.semivim.training.update.EmaUpdate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ReferenceTrainerTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static ReferenceTrainer trainer(TrainConfig config) {
        return new ReferenceTrainer(config, TinyRuns.loadData(config));
    }

    @Test
    void supervisedLossDecreasesOnAnEasySet() {
        Map<String, Object> m = TinyRuns.configMap("supervised", TinyRuns.vit(0), 30);
        m.put("lr", 1e-2);
        m.put("weight_decay", 0.0);
        ReferenceTrainer t = trainer(TinyRuns.config(m));
        List<StepRecord> records = new ArrayList<>();
        t.addListener(records::add);
        t.run();
        assertEquals(30, records.size());
        assertEquals(30, t.nextStep());
        double first = 0, last = 0;
        for (int i = 0; i < 5; i++) {
            first += records.get(i).loss() / 5;
            last += records.get(25 + i).loss() / 5;
        }
        assertTrue(first > 1.2, "starts near ln 4 = 1.39: " + first);
        assertTrue(last < 0.7 * first, "mean loss of the last 5 steps " + last + " vs the first 5 " + first);
        for (StepRecord r : records) {
            assertEquals(r.loss(), r.lossLabeled());
            assertEquals(0.0, r.lossUnlabeled());
            assertTrue(Double.isNaN(r.pseudoAccuracyAll()));
            assertFalse(r.skipped());
        }
        assertEquals(0.0, records.get(0).lr(), "warm-up starts at lr 0");
        assertNull(t.teacherParameters(), "supervised keeps no teacher");
    }

    @Test
    void everyPhaseOneMethodRunsAndReportsItsDiagnostics() {
        for (String method : TinyRuns.methodsRunNow()) {
            Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.1), 4);
            if (!method.equals("supervised")) m.put("tau", TinyRuns.PARTIAL_TAU_VIM);   // a partial mask at the start
            ReferenceTrainer t = trainer(TinyRuns.config(m));
            List<StepRecord> records = new ArrayList<>();
            t.addListener(records::add);
            float[] init = t.studentParameters();
            t.run();
            assertEquals(4, records.size(), method);
            for (StepRecord r : records) {
                assertTrue(Double.isFinite(r.loss()) && r.loss() > 0, method + " loss " + r.loss());
                assertEquals(r.lossLabeled() + t.config().wU() * r.lossUnlabeled(), r.loss(), 1e-12);
                assertTrue(r.maskRate() >= 0 && r.maskRate() <= 1);
                if (!method.equals("supervised")) {
                    assertTrue(r.pseudoAccuracyAll() >= 0 && r.pseudoAccuracyAll() <= 1, method);
                    assertEquals(r.maskRate() == 0, Double.isNaN(r.pseudoAccuracyMasked()), method);
                    assertEquals(r.maskRate() > 0, r.lossUnlabeled() > 0, method);
                }
            }
            assertFalse(java.util.Arrays.equals(init, t.studentParameters()), method + " moved the student");
            if (!method.equals("supervised")) assertTrue(records.stream().anyMatch(r -> r.maskRate() > 0), method + ": some mask");
        }
    }

    /** The step's gradient is Σ_s of independently computed shard gradients, and equals the 1-shard gradient to 1e-6. */
    @Test
    void theShardCountIsAConfigConstantAndShardsSumToTheBatchGradient() {
        TrainConfig four = TinyRuns.config("ema_teacher", TinyRuns.vim(0), 2);
        assertEquals(4, four.shards());
        ReferenceTrainer t4 = trainer(four);
        float[] student = t4.studentParameters();
        StepTrace trace = t4.runStep();
        ImageClassifier replica = four.model().create(Ops.cpu(), 99);
        List<float[]> parts = new ArrayList<>();
        for (ShardInput s : ShardInput.split(four.seed(), 0, trace.composition().terms(), 4)) {
            parts.add(new ShardGradient(replica, Ops.cpu()).compute(student, s).gradient());
        }
        assertArrayEquals(ShardGradient.sumInShardOrder(parts), trace.gradient());

        ReferenceTrainer t1 = trainer(four.with(Map.of("shards", 1)));
        float[] g1 = t1.runStep().gradient();
        double diff = 0, norm = 0;
        for (int i = 0; i < g1.length; i++) {
            diff += Math.pow(g1[i] - trace.gradient()[i], 2);
            norm += Math.pow(g1[i], 2);
        }
        assertTrue(norm > 0);
        assertTrue(Math.sqrt(diff / norm) < 1e-6, "relative difference " + Math.sqrt(diff / norm));
    }

    @Test
    void runsAreBitIdenticalForOneAndThreeThreads() {
        for (String method : TinyRuns.methodsRunNow()) {
            Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.2), 5);
            if (!method.equals("supervised")) m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
            m.put("clip", 1.0);
            TrainConfig c = TinyRuns.config(m);
            Parallel.setThreads(1);
            ReferenceTrainer one = trainer(c);
            one.run();
            Parallel.setThreads(3);
            ReferenceTrainer three = trainer(c);
            three.run();
            assertArrayEquals(one.studentParameters(), three.studentParameters(), method);
            if (one.teacherParameters() != null) assertArrayEquals(one.teacherParameters(), three.teacherParameters(), method);
        }
    }

    /** R-L12 / §2.3: the pseudo-labels of step t come from θT_{t−1} (EMA-Teacher, LyapEMA), from θS_{t−1} for FixMatch. */
    @Test
    void pseudoLabelsOfStepTComeFromTheModelAfterStepTMinusOne() {
        for (String method : List.of("ema_teacher", "lyapema", "fixmatch")) {
            Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vit(0), 4);
            m.put("ema_m", 0.5);     // teachers that move visibly (a calibrated LyapEMA α can saturate at 1.0)
            if (method.equals("lyapema")) m.put("lyapema", Map.of("gamma_mode", "fixed", "gamma", 1.0));
            m.put("lr", 3e-2);
            TrainConfig c = TinyRuns.config(m);
            ReferenceTrainer t = trainer(c);
            TrainingData data = TinyRuns.loadData(c);
            t.run(2);
            boolean fromTeacher = !method.equals("fixmatch");
            float[] source = fromTeacher ? t.teacherParameters() : t.studentParameters();
            StepTrace trace = t.runStep();
            float[] after = fromTeacher ? t.teacherParameters() : t.studentParameters();
            TeacherInference inference = new TeacherInference(c.model().create(Ops.cpu(), 1));
            var augmenter = new org.semivim.data.augment.BatchAugmenter(data.train(),
                    new org.semivim.data.augment.FixMatchAugment(c.seed(), org.semivim.data.augment.AugmentConfig.fixMatch(TinyRuns.SIZE)),
                    org.semivim.data.augment.Normalization.fashionMnist());
            var weak = augmenter.render(trace.batch().unlabeled(), 2, org.semivim.data.augment.AugmentView.WEAK);
            PseudoLabels expected = inference.predict(source, weak, c.shards());
            PseudoLabels later = inference.predict(after, weak, c.shards());
            assertArrayEquals(expected.confidence(), trace.predictions().confidence(), method);
            assertArrayEquals(expected.label(), trace.predictions().label(), method);
            assertFalse(java.util.Arrays.equals(later.confidence(), trace.predictions().confidence()), method + ": not the updated model");
        }
    }

    @Test
    void theTeacherIsTheEmaOfTheStudentAfterEveryStep() {
        Map<String, Object> m = TinyRuns.configMap("ema_teacher", TinyRuns.vim(0), 3);
        m.put("ema_m", 0.9);
        ReferenceTrainer t = trainer(TinyRuns.config(m));
        assertArrayEquals(t.studentParameters(), t.teacherParameters(), "the teacher starts as a copy of the student");
        for (int step = 0; step < 3; step++) {
            float[] teacher = t.teacherParameters();
            t.runStep();
            EmaUpdate.apply(teacher, t.studentParameters(), 0.9);
            assertArrayEquals(teacher, t.teacherParameters(), "step " + step);
        }
    }

    @Test
    void fixMatchWeighsMaskedRowsByTheFullUnlabeledBatch() {
        Map<String, Object> m = TinyRuns.configMap("fixmatch", TinyRuns.vit(0), 1);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIT);
        m.put("warmup", 0);
        ReferenceTrainer t = trainer(TinyRuns.config(m));
        StepTrace trace = t.runStep();
        LossTerm u = trace.composition().terms().get(1);
        int masked = 0;
        for (boolean b : trace.composition().mask()) if (b) masked++;
        assertTrue(masked > 0 && masked < 16, "a partial mask: " + masked);
        assertEquals(masked, u.rows());
        for (float w : u.rowWeights()) assertEquals(1f / 16, w);
        assertEquals(1f, u.lossWeight());
        assertEquals(masked / 16.0, trace.record().maskRate());
    }

    @Test
    void aResumedRunIsBitIdenticalToAnUninterruptedOne() {
        for (String method : TinyRuns.methodsRunNow()) {
            Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.2), 6);
            if (!method.equals("supervised")) m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
            TrainConfig c = TinyRuns.config(m);
            ReferenceTrainer whole = trainer(c);
            whole.run();
            ReferenceTrainer first = trainer(c);
            first.run(3);
            TrainState saved = first.state();
            var layout = first.student().parameters();
            TrainState loaded = TrainState.fromParts(saved.toTensors(layout), saved.toJson(), layout);
            ReferenceTrainer resumed = trainer(c);
            resumed.restore(loaded);
            assertEquals(3, resumed.nextStep());
            resumed.run();
            assertArrayEquals(whole.studentParameters(), resumed.studentParameters(), method);
            if (whole.teacherParameters() != null) assertArrayEquals(whole.teacherParameters(), resumed.teacherParameters(), method);
            ReferenceTrainer other = trainer(c.with(Map.of("seed", 8)));
            assertThrows(IllegalArgumentException.class, () -> other.restore(loaded), "another config hash");
        }
    }

    @Test
    void ssmaeIsRefusedClearly() {
        TrainConfig c = TinyRuns.config("ssmae", TinyRuns.vit(0), 2);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> trainer(c));
        assertTrue(e.getMessage().contains("ssmae"), e.getMessage());
    }
}
