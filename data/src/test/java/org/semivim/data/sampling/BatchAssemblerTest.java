package org.semivim.data.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchAssemblerTest {
    private static final int[] LABELED = range(0, 40);
    private static final int[] UNLABELED = range(100, 400);
    private static final BatchPlan PLAN = new BatchPlan(8, 7, 4);  // B_l = 8, B_u = 56, 4 shards

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    private static BatchAssembler assembler() {
        return new BatchAssembler(PLAN, LABELED, UNLABELED, 77);
    }

    @Test
    void stepBatchHasBlLabeledAndMuBlUnlabeledFromConsecutiveSamplerPositions() {
        StepBatch b = assembler().batch(6);
        assertEquals(8, b.labeled().length);
        assertEquals(56, b.unlabeled().length);
        assertEquals(48, b.labeledPosition());
        assertEquals(336, b.unlabeledPosition());
        EpochSampler labeled = new EpochSampler(LABELED, 77, BatchAssembler.LABELED_STREAM);
        EpochSampler unlabeled = new EpochSampler(UNLABELED, 77, BatchAssembler.UNLABELED_STREAM);
        assertArrayEquals(labeled.take(48, 8), b.labeled());
        assertArrayEquals(unlabeled.take(336, 56), b.unlabeled());
        // every labeled sample exactly once per labeled epoch (5 steps of 8 = 40 samples)
        List<Integer> epoch = new ArrayList<>();
        for (int t = 0; t < 5; t++) for (int i : assembler().batch(t).labeled()) epoch.add(i);
        assertEquals(40, epoch.stream().distinct().count());
    }

    @Test
    void aResumedRunComputesTheSameBatches() {
        BatchAssembler before = assembler();
        List<StepBatch> run = new ArrayList<>();
        for (int t = 0; t < 12; t++) run.add(before.batch(t));
        BatchAssembler after = assembler();  // restart: nothing but the configuration and the step
        for (int t = 7; t < 12; t++) assertEquals(run.get(t), after.batch(t), "step " + t);
    }

    @Test
    void shardsConcatenateToTheBatch() {
        StepBatch b = assembler().batch(3);
        int[] labeled = new int[0];
        int[] unlabeled = new int[0];
        for (int s = 0; s < PLAN.shardCount(); s++) {
            StepBatch.Shard shard = b.shard(s);
            assertEquals(labeled.length, shard.labeledOffset());
            assertEquals(unlabeled.length, shard.unlabeledOffset());
            assertEquals(2, shard.labeled().length);
            assertEquals(14, shard.unlabeled().length);
            labeled = concat(labeled, shard.labeled());
            unlabeled = concat(unlabeled, shard.unlabeled());
        }
        assertArrayEquals(b.labeled(), labeled);
        assertArrayEquals(b.unlabeled(), unlabeled);
        // uneven sizes differ by at most one: 5 labeled over 3 shards → 1, 2, 2
        StepBatch uneven = new BatchAssembler(new BatchPlan(5, 1, 3), LABELED, UNLABELED, 1).batch(0);
        assertEquals(List.of(1, 2, 2), List.of(uneven.shard(0).labeled().length, uneven.shard(1).labeled().length, uneven.shard(2).labeled().length));
    }

    /** Whatever the number of workers, the set of shards and each shard's content are the same. */
    @Test
    void shardsDoNotDependOnTheWorkerCount() {
        StepBatch b = assembler().batch(2);
        for (int workers = 1; workers <= 6; workers++) {
            boolean[] covered = new boolean[PLAN.shardCount()];
            for (int w = 0; w < workers; w++) {
                for (int s : StepBatch.shardsOfWorker(w, workers, PLAN.shardCount())) {
                    assertTrue(!covered[s], "shard " + s + " given twice with " + workers + " workers");
                    covered[s] = true;
                    StepBatch.Shard onWorker = new BatchAssembler(PLAN, LABELED, UNLABELED, 77).batch(2).shard(s);
                    assertArrayEquals(b.shard(s).labeled(), onWorker.labeled());
                    assertArrayEquals(b.shard(s).unlabeled(), onWorker.unlabeled());
                }
            }
            for (boolean c : covered) assertTrue(c, "every shard is processed with " + workers + " workers");
        }
    }

    @Test
    void badPlansAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BatchPlan(0, 7, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchPlan(2, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new BatchAssembler(PLAN, LABELED, new int[0], 1));
        assertThrows(IllegalArgumentException.class, () -> assembler().batch(-1));
        assertThrows(IllegalArgumentException.class, () -> assembler().batch(0).shard(4));
        assertEquals(0, new BatchAssembler(new BatchPlan(4, 0, 2), LABELED, new int[0], 1).batch(3).unlabeled().length);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
