package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepTrace;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.update.UpdateBackends;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.gpu.GpuTesting.assertClose;

/**
 * What {@code semivim train --device cuda} runs: {@link ReferenceTrainer} on CUDA ops whose
 * {@link CudaUpdateBackend} is bound to them (as {@code OpsProvider.select} binds it), so AdamW, the
 * teacher EMA and LyapEMA run as kernels over resident arrays and the replica's weights stay on the
 * device, here on the CPU emulation of the kernels. Against the CPU trainer within the tolerances of
 * {@link TrainerParity} (supervised ViM, EMA-Teacher ViM, LyapEMA ViM); a checkpoint round trip with the
 * device optimizer (bit-identical on the emulation, whose blocks run in a fixed order); a device trainer
 * resumed from a CPU trainer's checkpoint. Skipped without g++.
 */
class EmulatedDeviceUpdatesTest {
    private static Ops ops;

    /** The emulated CUDA ops with the emulated CUDA update backend bound to them. */
    private static synchronized Ops deviceOps() {
        if (ops == null) {
            EmulatedRuntime runtime = EmulatedRuntime.shared();
            Ops o = CudaOps.create("emulated", runtime);
            UpdateBackends.bind(o, new CudaUpdateBackend(runtime, "emulated-cuda"));
            ops = o;
        }
        return ops;
    }

    @Test
    void supervisedVimStepsMatchTheCpuTrainer() {
        TrainConfig config = TrainerParity.config("supervised", TrainerParity.vim(), 0.95, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data), gpu = new ReferenceTrainer(config, data, deviceOps());
        assertEquals("emulated-cuda", UpdateBackends.of(deviceOps()).name());
        TrainerParity.compareTwoSteps(cpu, gpu);
        assertTrue(EmulatedRuntime.shared().resident().isResident(gpu.student().parameters().flatValues().data),
                "the student's values are resident on the device");
        assertMomentsClose(cpu.state(), gpu.state());
    }

    @Test
    void emaTeacherVimStepsMatchTheCpuTrainer() {
        // tau 0.99: no pseudo-label passes on either backend, so both train on the same composition
        TrainConfig config = TrainerParity.config("ema_teacher", TrainerParity.vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data), gpu = new ReferenceTrainer(config, data, deviceOps());
        TrainerParity.compareTwoSteps(cpu, gpu);
        assertMomentsClose(cpu.state(), gpu.state());
    }

    @Test
    void lyapEmaVimStepsMatchTheCpuTrainer() {
        TrainConfig config = TrainerParity.config("lyapema", TrainerParity.vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data), gpu = new ReferenceTrainer(config, data, deviceOps());
        StepTrace[] step0 = TrainerParity.compareTwoSteps(cpu, gpu);
        Map<String, Object> c = step0[0].record().methodFields(), g = step0[1].record().methodFields();
        assertEquals(c.get("lyapema_skip"), g.get("lyapema_skip"));
        assertEquals(c.get("retries"), g.get("retries"));
        assertEquals(c.get("violated"), g.get("violated"));
        // d = ‖θS' − θT‖ sums the first Adam step, ≈ lr·sign(g) where |g| is tiny and the backends' rounding differs
        assertEquals((double) c.get("d"), (double) g.get("d"), 0.05 * (double) c.get("d"), "LyapEMA d of step 0");
        assertEquals((double) c.get("v"), (double) g.get("v"), 0.1 * (double) c.get("v"), "LyapEMA V of step 0");
        assertEquals(cpu.state().methodState().get("steps"), gpu.state().methodState().get("steps"));
        assertMomentsClose(cpu.state(), gpu.state());
    }

    @Test
    void aCheckpointOfTheDeviceOptimizerResumesToTheSameBits(@TempDir Path dir) throws IOException {
        TrainConfig config = TrainerParity.config("lyapema", TrainerParity.vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer straight = new ReferenceTrainer(config, data, deviceOps());
        straight.run();

        ReferenceTrainer first = new ReferenceTrainer(config, data, deviceOps());
        first.runStep();
        CheckpointStore store = new CheckpointStore(dir);
        TrainCheckpoints.save(store, first);
        ReferenceTrainer resumed = new ReferenceTrainer(config, data, deviceOps());
        assertTrue(TrainCheckpoints.resume(store, resumed).isPresent());
        assertEquals(1, resumed.nextStep());
        assertArrayEquals(first.studentParameters(), resumed.studentParameters());
        resumed.run();

        TrainState a = straight.state(), b = resumed.state();
        assertArrayEquals(a.student(), b.student(), "student");
        assertArrayEquals(a.teacher(), b.teacher(), "teacher");
        assertEquals(a.adamW().step(), b.adamW().step());
        assertArrayEquals(a.adamW().firstMoment(), b.adamW().firstMoment(), "AdamW m");
        assertArrayEquals(a.adamW().secondMoment(), b.adamW().secondMoment(), "AdamW v");
        assertEquals(a.methodState(), b.methodState(), "LyapEMA state");
    }

    @Test
    void aDeviceTrainerContinuesACpuCheckpoint(@TempDir Path dir) throws IOException {
        TrainConfig config = TrainerParity.config("ema_teacher", TrainerParity.vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data);
        cpu.runStep();
        CheckpointStore store = new CheckpointStore(dir);
        TrainCheckpoints.save(store, cpu);
        ReferenceTrainer gpu = new ReferenceTrainer(config, data, deviceOps());
        TrainCheckpoints.resume(store, gpu);
        assertInstanceOf(CudaUpdateBackend.class, UpdateBackends.of(deviceOps()));

        StepTrace c = cpu.runStep(), g = gpu.runStep();
        assertEquals(c.record().loss(), g.record().loss(), 1e-5 * Math.abs(c.record().loss()), "step 1 loss from the restored parameters");
        assertFalse(g.outcome().skipped());
        assertClose("step 1 gradient", c.gradient(), g.gradient(), 1e-3);
        // the moments continue from the CPU's: the second Adam step agrees closely where the gradients do
        TrainerParity.assertUpdatedClose("student", c.gradient(), g.gradient(), cpu.studentParameters(), gpu.studentParameters(), 2e-5);
        TrainerParity.assertUpdatedClose("teacher", c.gradient(), g.gradient(), cpu.teacherParameters(), gpu.teacherParameters(), 2e-5);
        assertEquals(2, gpu.state().adamW().step());
    }

    /** The AdamW moments after the same steps: m within 1e-3 of its scale, v within 1e-2 (v ∝ g², from gradients within 1e-3). */
    private static void assertMomentsClose(TrainState cpu, TrainState gpu) {
        assertEquals(cpu.adamW().step(), gpu.adamW().step(), "AdamW steps");
        assertClose("AdamW m", cpu.adamW().firstMoment(), gpu.adamW().firstMoment(), 1e-3);
        assertClose("AdamW v", cpu.adamW().secondMoment(), gpu.adamW().secondMoment(), 1e-2);
    }
}
