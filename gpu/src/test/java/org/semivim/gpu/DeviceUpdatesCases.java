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
 * device. Against the CPU trainer within the tolerances of {@link TrainerParity} (supervised ViM,
 * EMA-Teacher ViM, LyapEMA ViM); a checkpoint of the device optimizer restored into the trainer after it
 * ran on, which must repeat the step (bit-identical where the device adds in a fixed order); a device trainer
 * resumed from a CPU trainer's checkpoint. Run on the CPU emulation ({@link EmulatedDeviceUpdatesTest})
 * and on a GPU ({@link CudaDeviceUpdatesTest}).
 */
abstract class DeviceUpdatesCases {
    /** CUDA ops with a {@link CudaUpdateBackend} bound to them. */
    abstract Ops deviceOps();

    /** Whether the device adds in a fixed order (the emulation): then a resumed run is bit-identical, else within rounding. */
    abstract boolean fixedOrder();

    /** A ViM of depth 1 (the emulation runs every op through a harness process: few ops keep the cases quick). */
    private static Map<String, Object> vim() {
        return TrainerParity.model("vim", Map.of("depth", 1, "d_state", 4));
    }

    /** Whether the device of {@link #deviceOps()} keeps {@code array} resident. */
    abstract boolean residentOnTheDevice(float[] array);

    @Test
    void supervisedVimStepsMatchTheCpuTrainer() {
        TrainConfig config = TrainerParity.config("supervised", vim(), 0.95, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data), gpu = new ReferenceTrainer(config, data, deviceOps());
        assertInstanceOf(CudaUpdateBackend.class, UpdateBackends.of(deviceOps()), "the CUDA ops come with the CUDA update backend");
        TrainerParity.compareTwoSteps(cpu, gpu);
        assertTrue(residentOnTheDevice(gpu.student().parameters().flatValues().data), "the student's values are resident on the device");
        assertMomentsClose(cpu.state(), gpu.state());
    }

    @Test
    void emaTeacherVimStepsMatchTheCpuTrainer() {
        // tau 0.99: no pseudo-label passes on either backend, so both train on the same composition
        TrainConfig config = TrainerParity.config("ema_teacher", vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer cpu = new ReferenceTrainer(config, data), gpu = new ReferenceTrainer(config, data, deviceOps());
        TrainerParity.compareTwoSteps(cpu, gpu);
        assertMomentsClose(cpu.state(), gpu.state());
    }

    @Test
    void lyapEmaVimStepsMatchTheCpuTrainer() {
        TrainConfig config = TrainerParity.config("lyapema", vim(), 0.99, 2);
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
    void aCheckpointOfTheDeviceOptimizerRestoredOverNewerDeviceCopiesRepeatsTheStep(@TempDir Path dir) throws IOException {
        // EMA-Teacher: AdamW and the EMA read the student and the teacher from their device copies (LyapEMA re-uploads both every step)
        TrainConfig config = TrainerParity.config("ema_teacher", vim(), 0.99, 2);
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer trainer = new ReferenceTrainer(config, data, deviceOps());
        trainer.runStep();
        CheckpointStore store = new CheckpointStore(dir);
        TrainCheckpoints.save(store, trainer);                 // the moments copied from the device
        float[] atCheckpoint = trainer.studentParameters();
        trainer.runStep();
        TrainState straight = trainer.state();
        // restored to step 1 while the device copies hold step 2: the restore must reach the device
        // (the student, the teacher and the moments resident there are newer than the checkpoint)
        assertTrue(TrainCheckpoints.resume(store, trainer).isPresent());
        assertEquals(1, trainer.nextStep());
        assertArrayEquals(atCheckpoint, trainer.studentParameters());
        trainer.runStep();

        TrainState a = straight, b = trainer.state();
        assertEquals(a.adamW().step(), b.adamW().step());
        if (fixedOrder()) {
            assertArrayEquals(a.student(), b.student(), "student");
            assertArrayEquals(a.teacher(), b.teacher(), "teacher");
            assertArrayEquals(a.adamW().firstMoment(), b.adamW().firstMoment(), "AdamW m");
            assertArrayEquals(a.adamW().secondMoment(), b.adamW().secondMoment(), "AdamW v");
        } else {
            // the backward's atomics add in a scheduling-dependent order: the runs agree to rounding
            assertWithinSteps("student", a.student(), b.student());
            assertWithinSteps("teacher", a.teacher(), b.teacher());
            assertClose("AdamW m", a.adamW().firstMoment(), b.adamW().firstMoment(), 1e-3);
            assertClose("AdamW v", a.adamW().secondMoment(), b.adamW().secondMoment(), 1e-2);
        }
    }

    /** Two runs of the same steps whose gradients differ in the last bits: within 2·lr per step, most within 1e-5. */
    private static void assertWithinSteps(String what, float[] a, float[] b) {
        int loose = 0;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - b[i]);
            int at = i;
            assertTrue(err <= 4 * TrainerParity.LR + 1e-6, () -> what + " " + at + ": " + a[at] + " vs " + b[at]);
            if (err > 1e-5) loose++;
        }
        assertTrue(loose < a.length / 10, what + ": " + loose + " of " + a.length + " differ by more than 1e-5");
    }

    @Test
    void aDeviceTrainerContinuesACpuCheckpoint(@TempDir Path dir) throws IOException {
        TrainConfig config = TrainerParity.config("lyapema", vim(), 0.99, 2);
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
        assertEquals(cpu.state().methodState().get("steps"), gpu.state().methodState().get("steps"), "the LyapEMA state continues");
        assertEquals(cpu.state().methodState().get("s"), gpu.state().methodState().get("s"));
    }

    /** The AdamW moments after the same steps: m within 1e-3 of its scale, v within 1e-2 (v ∝ g², from gradients within 1e-3). */
    private static void assertMomentsClose(TrainState cpu, TrainState gpu) {
        assertEquals(cpu.adamW().step(), gpu.adamW().step(), "AdamW steps");
        assertClose("AdamW m", cpu.adamW().firstMoment(), gpu.adamW().firstMoment(), 1e-3);
        assertClose("AdamW v", cpu.adamW().secondMoment(), gpu.adamW().secondMoment(), 1e-2);
    }
}
