package org.semivim.training.update;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.TrainableRanges;
import org.semivim.training.testing.TinyRuns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The update backend seam: which backend a trainer gets ({@link UpdateBackends}), that the loop makes
 * everything through it and tells it about every host write of a parameter array it may keep on a
 * device (a recording backend around the host one, so the bits stay the CPU's), and the refusals.
 */
class UpdateBackendTest {

    /** The host backend, recording what it makes and the coherence calls. */
    private static final class Recording implements UpdateBackend {
        final List<float[]> kept = new ArrayList<>(), written = new ArrayList<>();
        int optimizers, emas, kernels;

        @Override public String name() { return "recording"; }
        @Override public AdamWOptimizer adamW(ParameterSet p, double wd, Set<String> frozen) {
            optimizers++;
            return new ForeignAdamW(this, UpdateBackend.cpu().adamW(p, wd, frozen));   // its EMA and kernel come from here
        }
        @Override public TeacherEma teacherEma(float[] teacher, float[] student) {
            emas++;
            return UpdateBackend.cpu().teacherEma(teacher, student);
        }
        @Override public LyapEmaKernel lyapEmaKernel(AdamWOptimizer a, float[] sp, float[] tp, TrainableRanges r, float[] so, float[] to) {
            kernels++;
            return UpdateBackend.cpu().lyapEmaKernel(((ForeignAdamW) a).host(), sp, tp, r, so, to);
        }
        @Override public void hostWritten(float[] array) { written.add(array); }
        @Override public void keepOnDevice(float[] array) { kept.add(array); }

        boolean wrote(float[] array) {
            return written.stream().anyMatch(a -> a == array);
        }
    }

    /** A host AdamW that belongs to another backend. */
    private record ForeignAdamW(UpdateBackend backend, AdamWOptimizer host) implements AdamWOptimizer {
        @Override public ParameterSet parameters() { return host.parameters(); }
        @Override public double weightDecay() { return host.weightDecay(); }
        @Override public long stepCount() { return host.stepCount(); }
        @Override public void updateMoments(float[] g) { host.updateMoments(g); }
        @Override public void apply(float[] v, double lr) { host.apply(v, lr); }
        @Override public AdamW.State state() { return host.state(); }
        @Override public void restore(AdamW.State s) { host.restore(s); }
    }

    @Test
    void opsNobodyBoundUpdateOnTheHostAndABindingIsPerOpsInstance() {
        assertSame(UpdateBackend.cpu(), UpdateBackends.of(Ops.cpu()));
        assertSame(UpdateBackend.cpu(), UpdateBackends.of(Ops.reference()));
        Ops mine = new Ops("test-bound", Ops.cpu().gemm(), Ops.cpu().norm(), Ops.cpu().elementwise(), Ops.cpu().conv(), Ops.cpu().scan(),
                Ops.cpu().loss(), Ops.cpu().attention());
        Recording r = new Recording();
        UpdateBackends.bind(mine, r);
        assertSame(r, UpdateBackends.of(mine));
        assertSame(UpdateBackend.cpu(), UpdateBackends.of(Ops.cpu()), "binding other ops leaves the CPU ops alone");
        assertThrows(IllegalArgumentException.class, () -> UpdateBackends.bind(mine, null));
    }

    @Test
    void theTrainerMakesItsUpdatesThroughTheBackendAndReportsEveryHostWrite() {
        Map<String, Object> m = TinyRuns.configMap("ema_teacher", TinyRuns.vim(0), 2);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        TrainConfig c = TinyRuns.config(m);
        TrainingData data = TinyRuns.loadData(c);
        Recording r = new Recording();
        ReferenceTrainer recorded = new ReferenceTrainer(c, data, Ops.cpu(), r, null, Set.of());
        ReferenceTrainer plain = new ReferenceTrainer(c, data);
        recorded.runStep();
        plain.runStep();
        assertEquals(1, r.optimizers);
        assertEquals(1, r.emas, "the EMA is made once, at the first step");
        assertArrayEquals(plain.studentParameters(), recorded.studentParameters(), "the host backend's bits");
        assertArrayEquals(plain.teacherParameters(), recorded.teacherParameters());

        assertEquals(1, r.kept.size(), "the replica's values are kept on the device");
        float[] replica = r.kept.get(0);
        assertEquals(recorded.student().parameters().count(), replica.length);
        long replicaWrites = r.written.stream().filter(a -> a == replica).count();
        assertEquals(c.shards() + 1, replicaWrites, "one snapshot per shard gradient and one for the teacher's pseudo-labels");

        TrainState saved = plain.state();
        r.written.clear();
        recorded.runStep();
        recorded.restore(saved);
        float[] student = recorded.student().parameters().flatValues().data;
        assertTrue(r.wrote(student), "a restore tells the backend about the student");
        assertTrue(r.written.stream().anyMatch(a -> a != student && a != replica && Arrays.equals(a, saved.teacher())),
                "and about the teacher");
    }

    @Test
    void lyapEmaMakesItsKernelOnceAndReportsTheSavedStudentAndTheCommittedTeacher() {
        Map<String, Object> m = TinyRuns.configMap("lyapema", TinyRuns.vim(0), 3);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        TrainConfig c = TinyRuns.config(m);
        Recording r = new Recording();
        ReferenceTrainer t = new ReferenceTrainer(c, TinyRuns.loadData(c), Ops.cpu(), r, null, Set.of());
        t.run();
        assertEquals(1, r.kernels, "one LyapEMA kernel for the run");
        float[] teacher = t.teacherParameters();
        assertTrue(r.written.stream().anyMatch(a -> Arrays.equals(a, teacher) && a.length == teacher.length), "the committed teacher");
    }

    @Test
    void aPhaseAndItsUpdateMustShareTheOptimizerAndAKernelNeedsItsOwnBackendsOptimizer() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("w", 4, 3);
        ParameterSet p = b.build();
        AdamW one = new AdamW(p, 0.05), other = new AdamW(p, 0.05);
        assertThrows(IllegalArgumentException.class,
                () -> new UpdatePhase(one, LrSchedule.constant(0.01), 0, AdamWUpdate.studentOnly(other)));
        AdamWOptimizer foreign = new ForeignAdamW(new Recording(), UpdateBackend.cpu().adamW(p, 0.05, Set.of()));
        int n = p.count();
        assertThrows(IllegalArgumentException.class, () -> UpdateBackend.cpu().lyapEmaKernel(foreign, new float[n], new float[n],
                TrainableRanges.all(n), new float[n], new float[n]));
    }
}
