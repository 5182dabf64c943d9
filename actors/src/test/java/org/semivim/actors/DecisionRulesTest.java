package org.semivim.actors;

import org.junit.jupiter.api.Test;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.StepViews;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

/** The actors' pure decisions, without actors. */
class DecisionRulesTest {

    private static List<Long> drain(WorkWindow w) {
        List<Long> out = new ArrayList<>();
        for (OptionalLong s = w.take(); s.isPresent(); s = w.take()) out.add(s.getAsLong());
        return out;
    }

    @Test
    void workWindowHandsOutAtMostLookaheadStepsPastTheCommittedOne() {
        WorkWindow w = new WorkWindow(3, 10);
        assertEquals(List.of(), drain(w), "nothing before TeacherInference says where the run is");
        w.restartFrom(0);
        assertEquals(List.of(0L, 1L, 2L), drain(w));
        assertEquals(3, w.outstanding());
        w.committed(1);
        assertEquals(List.of(3L), drain(w));
        w.committed(4);
        assertEquals(List.of(4L, 5L, 6L), drain(w));
        w.committed(9);
        assertEquals(List.of(7L, 8L, 9L), drain(w), "never past the last step");
        w.committed(10);
        assertEquals(List.of(), drain(w));
    }

    @Test
    void workWindowRequeuesLostStepsFirstAndForgetsDoneOnes() {
        WorkWindow w = new WorkWindow(4, 100);
        w.restartFrom(5);
        assertEquals(List.of(5L, 6L, 7L, 8L), drain(w));
        w.requeue(7);
        w.requeue(6);
        w.requeue(42);   // never handed out: ignored
        w.requeue(4);    // before the window: ignored
        assertEquals(List.of(6L, 7L), drain(w));
        w.requeue(8);
        w.committed(9);
        assertEquals(List.of(9L, 10L, 11L, 12L), drain(w), "a re-queued step that got committed meanwhile is dropped");
        w.restartFrom(2);
        assertEquals(List.of(2L, 3L, 4L, 5L), drain(w), "a restart hands everything out again from there");
    }

    private static StepViews views(long step) {
        Tensor empty = Tensor.zeros(0, 1, 2, 2);
        return new StepViews(new StepBatch(step, new int[0], new int[0], 0, 0, 1), empty, new int[0], empty, empty);
    }

    @Test
    void viewsBufferKeepsOneViewPerComingStep() {
        TeacherInference.ViewsBuffer b = new TeacherInference.ViewsBuffer();
        StepViews first = views(3);
        b.offer(first, -1);
        b.offer(views(3), -1);
        b.offer(views(4), 3);
        b.offer(views(2), 3);   // already done
        assertEquals(2, b.size());
        assertSame(first, b.take(3), "a re-render does not replace the views held");
        b.dropBefore(5);
        assertEquals(0, b.size());
    }

    @Test
    void teacherInferenceSendsAStepsInputsOncePerTrainerUntilItForgetsThem() {
        InputsSent<String> sent = new InputsSent<>();
        assertTrue(sent.mark(4, "a"), "first time: send");
        assertFalse(sent.mark(4, "a"), "already has them");
        assertTrue(sent.mark(4, "b"), "another trainer (one that joined) gets them");
        assertTrue(sent.mark(5, "a"));
        sent.forget("a");   // a restarted: it lost what it held
        assertTrue(sent.mark(4, "a"));
        assertTrue(sent.mark(5, "a"));
        assertFalse(sent.mark(4, "b"), "forgetting one trainer keeps the others");
        sent.dropBefore(5);
        assertEquals(1, sent.steps());
        assertTrue(sent.mark(4, "b"), "a dropped step is sent again");
        sent.clear();
        assertEquals(0, sent.steps());
    }

    @Test
    void trainerKeepsTheFirstInputsOfAStepUntilItsParametersMovePast() {
        StudentTrainer.InputsByStep in = new StudentTrainer.InputsByStep();
        Tensor weak = Tensor.zeros(2, 1, 2, 2);
        Tensor strong = Tensor.wrap(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2);
        StepViews withUnlabeled = new StepViews(new StepBatch(3, new int[0], new int[]{5, 6}, 0, 0, 1), Tensor.zeros(0, 1, 2, 2), new int[0], weak, strong);
        StudentTrainer.StepInputs first = StudentTrainer.StepInputs.of(withUnlabeled);
        in.offer(first);
        in.offer(StudentTrainer.StepInputs.of(views(3)));
        in.offer(StudentTrainer.StepInputs.of(views(4)));
        assertSame(first, in.get(3), "a resend does not replace what is held");
        assertEquals(0, in.get(3).views().unlabeledWeak().dim(0), "the weak unlabeled views are left out");
        assertSame(strong, in.get(3).views().unlabeledStrong(), "the strong views as they are");
        in.dropBefore(3);
        assertEquals(2, in.size(), "kept while its step is the current version (a resend of the labels needs them)");
        in.dropBefore(4);
        assertNull(in.get(3));
        assertEquals(1, in.size());
        assertThrows(IllegalArgumentException.class, () -> new StudentTrainer.StepInputs(5, views(4)));
    }

    @Test
    void trainerHoldsEarlyWorkUpToItsCapacity() {
        StudentTrainer.WorkForVersion w = new StudentTrainer.WorkForVersion();
        for (long s = 0; s < 6; s++) w.hold(new StudentTrainer.ComputeLabelled(s, new org.semivim.training.pseudo.PseudoLabels(new float[0], new int[0], 3), new int[]{0}));
        assertEquals(StudentTrainer.WorkForVersion.CAPACITY, w.size());
        assertNull(w.take(0), "the lowest steps go first");
        assertNull(w.take(1));
        assertEquals(5, w.take(5).step());
        assertNull(w.take(5));
    }

    @Test
    void stepCollectorTakesOneSsmaePlanAndHandsOutTheShardsInOrder() {
        StepCollector c = new StepCollector(4, 2);
        var gate = new org.semivim.training.ssmae.SsmaeGate.Decision(1, true, true, 50, 2, 20);
        var admission = new org.semivim.training.ssmae.SsmaeAdmission.Admission(List.of());
        var plan = new LyapunovSupervisor.SsmaeStepPlan(new org.semivim.training.ssmae.SsmaeStep.Plan(4, 1, new int[]{3}, gate, admission, new int[]{0}));
        var other = new LyapunovSupervisor.SsmaeStepPlan(new org.semivim.training.ssmae.SsmaeStep.Plan(5, 1, new int[]{3}, gate, admission, new int[]{0}));
        assertFalse(c.offer(other), "another step's plan");
        assertTrue(c.offer(plan));
        assertFalse(c.offer(plan), "a second plan is a duplicate");
        assertTrue(c.offer(new LyapunovSupervisor.ShardDone(4, 1, new float[]{2f}, new double[]{0.5, 0.25})));
        assertFalse(c.complete());
        assertTrue(c.offer(new LyapunovSupervisor.ShardDone(4, 0, new float[]{1f}, new double[]{1.5, 1.25})));
        assertTrue(c.complete());
        var shards = c.ssmaeShards();
        assertEquals(List.of(0, 1), shards.stream().map(org.semivim.training.ssmae.SsmaeStep.ShardResult::shard).toList());
        assertEquals(1.5, shards.get(0).classificationLoss());
        assertEquals(0.25, shards.get(1).maeLoss());
        assertSame(plan.plan(), c.ssmaePlan());
        assertThrows(IllegalStateException.class, c::losses, "an SSMAE step has no term-weighted losses");
    }

    @Test
    void stepCollectorKeepsTheFirstOfEachAndAddsInShardOrder() {
        StepCollector c = new StepCollector(7, 3);
        StepBatch batch = new StepBatch(7, new int[]{1}, new int[]{2, 3}, 7, 14, 3);
        PseudoLabels labels = new PseudoLabels(new float[]{0.5f, 0.9f}, new int[]{0, 1}, 2);
        var plan = new LyapunovSupervisor.StepPlan(7, batch, labels, new boolean[]{false, true}, new int[]{0, 1}, new float[]{1f, 5f});
        assertFalse(c.offer(new LyapunovSupervisor.StepPlan(6, batch, labels, new boolean[]{false, true}, new int[]{0, 1}, new float[]{1f, 5f})));
        assertTrue(c.offer(plan));
        assertFalse(c.offer(plan), "a second plan of the step is a duplicate");
        assertTrue(c.offer(new LyapunovSupervisor.ShardDone(7, 2, new float[]{1e8f, 3f}, new double[]{0.25, 0.5})));
        assertFalse(c.offer(new LyapunovSupervisor.ShardDone(7, 2, new float[]{9f, 9f}, new double[]{9, 9})), "duplicate shard");
        assertFalse(c.offer(new LyapunovSupervisor.ShardDone(8, 0, new float[]{9f, 9f}, new double[]{9, 9})), "another step");
        assertFalse(c.offer(new LyapunovSupervisor.ShardDone(7, 3, new float[]{9f, 9f}, new double[]{9, 9})), "no such shard");
        assertTrue(c.offer(new LyapunovSupervisor.ShardDone(7, 0, new float[]{1f, 1f}, new double[]{0.5, 0})));
        assertFalse(c.complete());
        assertEquals(List.of(1), c.missing());
        assertThrows(IllegalStateException.class, c::gradient);
        assertTrue(c.offer(new LyapunovSupervisor.ShardDone(7, 1, new float[]{-1e8f, 2f}, new double[]{0.25, 1})));
        assertTrue(c.complete());
        // (1 + -1e8) + 1e8 = 0 in float: shard order, not (1e8 + -1e8) + 1 = 1
        assertArrayEquals(new float[]{0f, 6f}, c.gradient());
        StepCollector.Losses l = c.losses();
        assertEquals(1.0, l.labeled());
        assertEquals(1.5, l.unlabeled());
        assertEquals(1.0 + 5 * 1.5, l.loss(), 1e-12);
    }

    @Test
    void aWholeStepsSummedGradientCompletesTheStepWithTheBitsOfItsShards() {
        float[][] g = {{1f, 1f}, {-1e8f, 2f}, {1e8f, 3f}};
        double[][] losses = {{0.5, 0}, {0.25, 1}, {0.25, 0.5}};
        float[] byTrainer = org.semivim.training.step.ShardGradient.sumInShardOrder(List.of(g));
        StepBatch batch = new StepBatch(7, new int[]{1}, new int[]{2, 3}, 7, 14, 3);
        PseudoLabels labels = new PseudoLabels(new float[]{0.5f, 0.9f}, new int[]{0, 1}, 2);
        var plan = new LyapunovSupervisor.StepPlan(7, batch, labels, new boolean[]{false, true}, new int[]{0, 1}, new float[]{1f, 5f});

        StepCollector singles = new StepCollector(7, 3);
        singles.offer(plan);
        for (int s = 0; s < 3; s++) singles.offer(new LyapunovSupervisor.ShardDone(7, s, g[s], losses[s]));
        StepCollector summed = new StepCollector(7, 3);
        summed.offer(plan);
        assertFalse(summed.offer(new LyapunovSupervisor.StepGradientDone(8, byTrainer, losses)), "another step");
        assertFalse(summed.offer(new LyapunovSupervisor.StepGradientDone(7, byTrainer, new double[][]{{0.5, 0}})), "one loss row per shard");
        assertTrue(summed.offer(new LyapunovSupervisor.ShardDone(7, 1, new float[]{9f, 9f}, new double[]{9, 9})), "a single shard before the sum");
        assertTrue(summed.offer(new LyapunovSupervisor.StepGradientDone(7, byTrainer, losses)));
        assertTrue(summed.complete(), "the sum completes the step whatever single shards came before");
        assertEquals(List.of(), summed.missing());
        assertFalse(summed.offer(new LyapunovSupervisor.StepGradientDone(7, new float[]{5f, 5f}, losses)), "a second sum");
        assertFalse(summed.offer(new LyapunovSupervisor.ShardDone(7, 0, new float[]{9f, 9f}, new double[]{9, 9})), "a single shard after the sum");
        assertArrayEquals(singles.gradient(), summed.gradient(), "the bits of the supervisor's own sum of the shards");
        assertArrayEquals(new float[]{0f, 6f}, summed.gradient());
        assertEquals(singles.losses(), summed.losses(), "the term losses of the summed message, shard by shard");
        assertFalse(singles.offer(new LyapunovSupervisor.StepGradientDone(7, byTrainer, losses)), "a step already complete from its shards");
    }

    @Test
    void aTrainerSumsOnlyWhenItHoldsEveryShardInOrder() {
        assertTrue(StudentTrainer.everyShardInOrder(new int[]{0, 1, 2, 3}, 4));
        assertFalse(StudentTrainer.everyShardInOrder(new int[]{0, 1, 2}, 4), "not every shard");
        assertFalse(StudentTrainer.everyShardInOrder(new int[]{1, 0, 2, 3}, 4), "not in order");
        assertFalse(StudentTrainer.everyShardInOrder(new int[]{0}, 1), "one shard: nothing to sum");
        assertFalse(StudentTrainer.everyShardInOrder(new int[]{}, 0));
    }
}
