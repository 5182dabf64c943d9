package org.semivim.training.ssmae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.BatchAssembler;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.data.sampling.EpochSampler;
import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;
import org.semivim.training.testing.TinyRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSMAE trainer on the tiny generated data: E = min(⌊44/8⌋, ⌊66/16⌋) = 4 steps per epoch. */
class SsmaeTrainerTest {

    /** A tiny SSMAE run; {@code confidence}, {@code gateAccuracy} low so the untrained model (max p ≈ 0.3–0.5) is admitted. */
    static Map<String, Object> configMap(long steps, long gateStart, double confidence, double gateAccuracy) {
        Map<String, Object> m = TinyRuns.configMap("ssmae", TinyRuns.vit(0.1), steps);
        m.put("shards", 3);
        m.put("ssmae", new LinkedHashMap<>(Map.of("gate_start_epoch", gateStart, "confidence", confidence, "gate_accuracy", gateAccuracy,
                "decoder_width", 16, "decoder_depth", 1, "decoder_heads", 2)));
        return m;
    }

    @Test
    void epochsFollowTheShorterLoaderAndBatchesStayInsideAnEpoch() {
        SsmaeSchedule s = new SsmaeSchedule(44, 66, 8, 16);
        assertEquals(4, s.stepsPerEpoch());
        assertEquals(5, new SsmaeSchedule(44, 200, 8, 16).stepsPerEpoch(), "⌊N_l/B_l⌋ when the unlabeled loader is longer");
        assertEquals(List.of(0L, 0L, 0L, 0L, 1L, 1L), List.of(s.epochOf(0), s.epochOf(1), s.epochOf(2), s.epochOf(3), s.epochOf(4), s.epochOf(7)));
        assertTrue(s.startsEpoch(0) && s.startsEpoch(4) && !s.startsEpoch(5));
        assertEquals(44 + 2 * 8, s.labeledPosition(6));
        assertEquals(66 + 2 * 16, s.unlabeledPosition(6));
        int[] pool = new int[44];
        for (int i = 0; i < 44; i++) pool[i] = 100 + i;
        EpochSampler sampler = new EpochSampler(pool, 3, "x");
        for (long t = 0; t < 12; t++) {
            int[] order = sampler.epochOrder(s.epochOf(t));
            int i = (int) (t % 4);
            assertArrayEquals(Arrays.copyOfRange(order, i * 8, i * 8 + 8), sampler.take(s.labeledPosition(t), 8), "step " + t);
        }
        assertThrows(IllegalArgumentException.class, () -> new SsmaeSchedule(7, 66, 8, 16));
    }

    /**
     * R-G1, R-G2: no validation pass before W, then one at every epoch start on the validation split;
     * the gate is fixed within an epoch. The memory is empty before the gate opens, then fills and never
     * shrinks, labels are never revised (R-G5), and every memorised sample of a batch trains (pseudo_pairs).
     */
    @Test
    void theMemoryFillsOnceTheGateOpens(@TempDir Path dir) throws IOException {
        TrainConfig c = TrainConfig.fromMap(configMap(16, 2, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        EpochSampler unlabeled = new EpochSampler(data.split().unlabeled(), c.seed(), BatchAssembler.UNLABELED_STREAM);
        Path log = dir.resolve("ssmae.jsonl");
        Map<Integer, Integer> seen = new HashMap<>();
        long previousSize = 0;
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir.resolve("work")); MetricsLog metrics = MetricsLog.open(log)) {
            assertEquals(4, t.schedule().stepsPerEpoch());
            t.addListener(new MetricsLogListener(metrics));
            for (long step = 0; step < 16; step++) {
                StepRecord r = t.runStep();
                long epoch = step / 4;
                SsmaeGate.Decision g = t.gate();
                assertEquals(epoch, g.epoch());
                assertEquals(epoch >= 2, g.evaluated(), "R-G2: evaluated from W = 2 on");
                if (g.evaluated()) assertEquals(data.split().validation().length, g.validationCount(), "R-G1: the validation split");
                Map<String, Object> f = r.methodFields();
                long size = (long) f.get("memory_size");
                if (epoch < 2) assertEquals(0L, size, "nothing is admitted while the gate is off");
                assertTrue(size >= previousSize, "R-G5: the memory never shrinks");
                previousSize = size;
                for (PseudoLabelMemory.Memorised m : t.memory()) {
                    Integer before = seen.putIfAbsent(m.sampleIndex(), m.label());
                    if (before != null) assertEquals(before, m.label(), "R-G5: a memorised label is never revised");
                }
                assertEquals(t.memory().size(), seen.size());
                int[] batch = unlabeled.take(t.schedule().unlabeledPosition(step), 16);
                int inMemory = 0;
                Set<Integer> memorised = new HashSet<>(seen.keySet());
                for (int i : batch) if (memorised.contains(i)) inMemory++;
                assertEquals(inMemory, f.get("pseudo_pairs"), "every memorised sample of the batch trains, step " + step);
                assertEquals(r.loss(), (double) f.get("loss_mae") + 1.0 * (double) f.get("loss_cls"), 1e-12, "R-G7");
            }
            assertTrue(previousSize > 5, "the memory fills once the gate opens: " + previousSize);
            int correct = 0;
            for (PseudoLabelMemory.Memorised m : t.memory()) if (m.label() == data.train().label(m.sampleIndex())) correct++;
            var records = MetricsLog.read(log).records();
            assertEquals(16, records.size());
            var last = records.get(15);
            assertEquals((double) correct / previousSize, last.get("memory_acc").asDouble(), 1e-12);
            assertTrue(last.get("gate_enabled").asBoolean() && last.has("hc_acc") && last.has("loss_mae"));
            assertTrue(records.get(0).get("memory_acc").isNull());
        }
    }

    /**
     * R-G6 in the loop: the admissions of a step are {@link SsmaeAdmission#decide} on the CURRENT model
     * θ_{t−1} (no teacher) in eval mode on this step's weak and strong views, computed here independently.
     */
    @Test
    void admissionsComeFromTheCurrentModelInEvalMode(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(configMap(8, 0, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        BatchAugmenter views = new BatchAugmenter(data.train(), new FixMatchAugment(c.seed(), AugmentConfig.fixMatch(TinyRuns.SIZE)),
                Normalization.fashionMnist());
        EpochSampler unlabeled = new EpochSampler(data.split().unlabeled(), c.seed(), BatchAssembler.UNLABELED_STREAM);
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir)) {
            t.run(5);                                       // a trained, non-initial model at step 5
            MaskedAutoencoder current = new MaskedAutoencoder(t.model().config(), Ops.cpu(), 0);
            System.arraycopy(t.parameters(), 0, current.parameters().flatValues().data, 0, t.parameters().length);
            int[] batch = unlabeled.take(t.schedule().unlabeledPosition(5), 16);
            Tensor pw = evalProbabilities(current, views.render(batch, 5, AugmentView.WEAK));
            Tensor ps = evalProbabilities(current, views.render(batch, 5, AugmentView.STRONG));
            Map<Integer, Integer> before = new HashMap<>();
            for (PseudoLabelMemory.Memorised m : t.memory()) before.put(m.sampleIndex(), m.label());
            SsmaeAdmission.Admission expected = SsmaeAdmission.decide(batch, pw, ps, true,
                    i -> before.containsKey(i) ? java.util.OptionalInt.of(before.get(i)) : java.util.OptionalInt.empty(), c.ssmae().gate());
            StepRecord r = t.runStep();
            Map<Integer, Integer> after = new HashMap<>();
            for (PseudoLabelMemory.Memorised m : t.memory()) after.put(m.sampleIndex(), m.label());
            Map<Integer, Integer> admitted = new HashMap<>(after);
            admitted.keySet().removeAll(before.keySet());
            Map<Integer, Integer> expectedAdmitted = new HashMap<>();
            for (SsmaeAdmission.PseudoPair p : expected.newlyAdmitted()) expectedAdmitted.put(p.sampleIndex(), p.label());
            assertFalse(expectedAdmitted.isEmpty(), "the step should admit something");
            assertEquals(expectedAdmitted, admitted);
            assertEquals(expected.size(), r.methodFields().get("pseudo_pairs"));
        }
    }

    /** Eval-mode softmax over the trainer's 3 row shards of 16 rows (the same GEMM shapes, so the same bits). */
    private static Tensor evalProbabilities(MaskedAutoencoder model, Tensor views) {
        Tensor logits = Tensor.zeros(16, TinyRuns.CLASSES);
        int per = views.size / 16;
        for (int s = 0; s < 3; s++) {
            int from = s * 16 / 3, to = (s + 1) * 16 / 3;
            Tensor rows = Tensor.view(views.data, from * per, to - from, 1, TinyRuns.SIZE, TinyRuns.SIZE);
            Tensor out = model.forward(rows, ForwardMode.eval()).logits();
            System.arraycopy(out.data, out.offset, logits.data, from * TinyRuns.CLASSES, out.size);
        }
        return PseudoLabels.softmax(logits);
    }

    @Test
    void aStrictGateNeverAdmitsAndTheLrIsConstantByDefault(@TempDir Path dir) {
        Map<String, Object> m = configMap(6, 0, 0.95, 70.0);
        m.remove("lr");
        m.remove("warmup");
        TrainConfig c = TrainConfig.fromMap(m);
        try (SsmaeTrainer t = new SsmaeTrainer(c, TrainingData.load(c.data()), dir)) {
            for (int s = 0; s < 6; s++) {
                StepRecord r = t.runStep();
                assertEquals(1e-4, r.lr(), 0.0, "SSMAE: constant lr 1e-4");
                assertTrue(t.gate().evaluated() && !t.gate().enabled(), "an untrained model is never 95% confident, so HC is empty");
                assertEquals(0L, r.methodFields().get("memory_size"));
                assertNull(r.methodFields().get("admitted_acc"));
            }
        }
    }

    /** N steps == k steps + checkpoint on disk + resume + N − k steps, bit for bit, memory and gate included (k mid-epoch). */
    @Test
    void resumeFromACheckpointIsBitIdenticalMemoryIncluded(@TempDir Path dir) throws IOException {
        TrainConfig c = TrainConfig.fromMap(configMap(14, 1, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        float[] whole;
        List<PseudoLabelMemory.Memorised> wholeMemory;
        Map<String, Object> wholeState;
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir.resolve("whole"))) {
            t.run();
            whole = t.parameters();
            wholeMemory = t.memory();
            wholeState = t.state().methodState();
        }
        CheckpointStore store = new CheckpointStore(dir.resolve("run"));
        try (SsmaeTrainer first = new SsmaeTrainer(c, data, dir.resolve("first"))) {
            assertTrue(SsmaeCheckpoints.resume(store, first).isEmpty());
            first.run(9);                                   // epoch 2, step 1 of 4: the gate comes from the state
            assertFalse(first.memory().isEmpty(), "the memory is non-empty at the checkpoint");
            SsmaeCheckpoints.save(store, first);
            first.run(2);                                   // admissions after the checkpoint must not leak into the resume
        }
        try (SsmaeTrainer resumed = new SsmaeTrainer(c, data, dir.resolve("first"))) {
            assertEquals(9, SsmaeCheckpoints.resume(store, resumed).orElseThrow().checkpoint().step());
            assertEquals(2, resumed.gate().epoch());
            resumed.run();
            assertArrayEquals(whole, resumed.parameters());
            assertEquals(wholeMemory, resumed.memory());
            assertEquals(wholeState, resumed.state().methodState());
        }
        assertFalse(wholeMemory.isEmpty());
    }

    /**
     * The S fixed shards split rows, not the losses: at step 0 (θ0 for every S) the losses with 1 and 4
     * shards agree to float summation (no drop-path here), and the run does not depend on the thread count.
     */
    @Test
    void shardsAndThreadsDoNotChangeTheResult(@TempDir Path dir) {
        Map<String, Object> m = configMap(3, 0, 0.3, 0.0);
        m.put("model", TinyRuns.vit(0.0));
        double[][] losses = new double[2][];
        int k = 0;
        for (int shards : new int[]{1, 4}) {
            m.put("shards", shards);
            TrainConfig c = TrainConfig.fromMap(m);
            try (SsmaeTrainer t = new SsmaeTrainer(c, TrainingData.load(c.data()), dir.resolve("s" + shards))) {
                Map<String, Object> f = t.runStep().methodFields();
                losses[k++] = new double[]{(double) f.get("loss_mae"), (double) f.get("loss_cls"), ((Number) f.get("pseudo_pairs")).doubleValue()};
            }
        }
        assertEquals(losses[0][0], losses[1][0], 1e-6 * losses[0][0], "L_mae");
        assertEquals(losses[0][1], losses[1][1], 1e-6 * losses[0][1], "L_cls");
        assertEquals(losses[0][2], losses[1][2], "the same pseudo pairs");

        TrainConfig c = TrainConfig.fromMap(configMap(6, 1, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        float[][] params = new float[2][];
        int i = 0;
        for (int threads : new int[]{1, 3}) {
            org.semivim.engine.ops.Parallel.setThreads(threads);
            try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir.resolve("t" + threads))) {
                t.run();
                params[i++] = t.parameters();
            } finally {
                org.semivim.engine.ops.Parallel.setThreads(Runtime.getRuntime().availableProcessors());
            }
        }
        assertArrayEquals(params[0], params[1], "thread count");
    }

    @Test
    void badStatesAndMethodsAreRefused(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(configMap(4, 1, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir)) {
            t.run(2);
            var s = t.state();
            Map<String, Object> broken = new LinkedHashMap<>(s.methodState());
            broken.put("memory", List.of(List.of(1, 2)));
            var bad = new org.semivim.training.loop.TrainState(s.configHash(), s.step(), s.labeledPosition(), s.unlabeledPosition(), s.student(),
                    null, s.adamW(), broken);
            assertThrows(IllegalArgumentException.class, () -> t.restore(bad));
            var wrongCursor = new org.semivim.training.loop.TrainState(s.configHash(), s.step(), s.labeledPosition() + 1, s.unlabeledPosition(),
                    s.student(), null, s.adamW(), s.methodState());
            assertThrows(IllegalArgumentException.class, () -> t.restore(wrongCursor));
        }
        TrainConfig fixmatch = TinyRuns.config("fixmatch", TinyRuns.vit(0), 2);
        assertThrows(IllegalArgumentException.class, () -> new SsmaeTrainer(fixmatch, data, dir));
    }
}
