package org.semivim.training.ssmae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.step.StepViews;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSMAE's phases as separate functions: run by different {@link SsmaeStep} instances (as different actors
 * would), the shards computed out of order by two "workers", the memory read through a copy kept up to
 * date from what each commit wrote, they give {@link SsmaeTrainer#runStep}'s parameters and records bit for bit.
 */
class SsmaeStepTest {

    @Test
    void phasesInSeparateInstancesGiveTheTrainersBits(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(SsmaeTrainerTest.configMap(10, 1, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        float[] whole;
        List<StepRecord> wholeRecords = new ArrayList<>();
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir.resolve("whole"))) {
            t.addListener(wholeRecords::add);
            t.run();
            whole = t.parameters();
        }
        SsmaeBatches batches = new SsmaeBatches(c, data);
        SsmaeStep labeller = new SsmaeStep(c, data, Ops.cpu());
        SsmaeStep[] workers = {new SsmaeStep(c, data, Ops.cpu()), new SsmaeStep(c, data, Ops.cpu())};
        Map<Integer, Integer> view = new HashMap<>();   // the labeller's read copy of the memory
        List<StepRecord> records = new ArrayList<>();
        try (SsmaeTrainer master = new SsmaeTrainer(c, data, dir.resolve("master"))) {
            for (long t = 0; t < c.steps(); t++) {
                float[] theta = master.parameters();
                SsmaeGate.Decision gate = labeller.decidesGate(t, master.gate()) ? labeller.gate(theta, labeller.schedule().epochOf(t)) : master.gate();
                StepViews views = labeller.views(batches.batch(t));
                SsmaeStep.Plan plan = labeller.plan(views, labeller.predict(theta, views), gate,
                        i -> view.containsKey(i) ? OptionalInt.of(view.get(i)) : OptionalInt.empty());
                SsmaeStep.Terms terms = labeller.terms(views, plan.admission());
                SsmaeStep.ShardResult[] shards = new SsmaeStep.ShardResult[c.shards()];
                for (int s = c.shards() - 1; s >= 0; s--) shards[s] = workers[s % 2].shard(theta, terms, s);   // any order, any worker
                records.add(master.commit(plan, Arrays.asList(shards)));
                for (var m : master.lastAdmitted()) view.put(m.sampleIndex(), m.label());
            }
            assertArrayEquals(whole, master.parameters());
            assertEquals(master.memory().size(), view.size());
        }
        assertEquals(wholeRecords, records);
        assertTrue((long) records.get(9).methodFields().get("memory_size") > 0, "the memory is in use");
    }

    @Test
    void commitRefusesAnotherStepsPlanAndShardsOutOfOrder(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(SsmaeTrainerTest.configMap(4, 0, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        SsmaeStep step = new SsmaeStep(c, data, Ops.cpu());
        try (SsmaeTrainer master = new SsmaeTrainer(c, data, dir)) {
            float[] theta = master.parameters();
            StepViews views = step.views(new SsmaeBatches(c, data).batch(1));
            SsmaeStep.Plan plan = step.plan(views, step.predict(theta, views), step.gate(theta, 0), i -> OptionalInt.empty());
            SsmaeStep.Terms terms = step.terms(views, plan.admission());
            List<SsmaeStep.ShardResult> shards = new ArrayList<>();
            for (int s = 0; s < c.shards(); s++) shards.add(step.shard(theta, terms, s));
            assertThrows(IllegalArgumentException.class, () -> master.commit(plan, shards), "a plan of step 1 at step 0");
            List<SsmaeStep.ShardResult> swapped = new ArrayList<>(shards);
            java.util.Collections.swap(swapped, 0, 1);
            assertThrows(IllegalArgumentException.class, () -> SsmaeStep.losses(swapped, c.ssmae().gate()));
            assertThrows(IllegalArgumentException.class, () -> step.shard(theta, terms, c.shards()));
        }
    }
}
