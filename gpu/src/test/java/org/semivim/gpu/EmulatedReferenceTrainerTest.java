package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.update.UpdateBackend;

import java.util.Set;

/**
 * The training module's {@link ReferenceTrainer} on the CUDA ops (here on the CPU emulation of the
 * kernels, {@link EmulatedRuntime}) with the parameter updates on the HOST ({@link UpdateBackend#cpu()}:
 * every op uploads the weights), against the same trainer on {@code Ops.cpu()}; two steps of a tiny run,
 * tolerances in {@link TrainerParity}. {@link EmulatedDeviceUpdatesTest} is the same with the updates on
 * the device, as {@code semivim train --device cuda} runs. Skipped without g++.
 */
class EmulatedReferenceTrainerTest {

    @Test
    void supervisedVimStepsMatchTheCpuTrainer() {
        compare(TrainerParity.config("supervised", TrainerParity.vim(), 0.95, 2));
    }

    @Test
    void emaTeacherVitStepsMatchTheCpuTrainer() {
        // tau 0.99: no pseudo-label passes on either backend, so both train on the same composition
        compare(TrainerParity.config("ema_teacher", TrainerParity.vit(), 0.99, 2));
    }

    private static void compare(TrainConfig config) {
        TrainingData data = TrainingData.load(config.data());
        TrainerParity.compareTwoSteps(new ReferenceTrainer(config, data),
                new ReferenceTrainer(config, data, CudaOps.create("emulated", EmulatedRuntime.shared()), UpdateBackend.cpu(), null, Set.of()));
    }
}
