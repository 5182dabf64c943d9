package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.training.arm.ArmPretrainer;
import org.semivim.training.arm.ArmStepRecord;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.config.MaePretrainConfig;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.mae.MaePretrainer;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-trainers on emulated CUDA ops with the device update backend bound (the parameters of the
 * trained model itself resident: the ARM model's forward and backward read its weights from the device
 * and accumulate into its resident gradient array; the MAE trainer's summed gradient is copied into the
 * set's), against the same pre-trainer on {@code Ops.cpu()}: step 0's loss (1e-5 relative) and gradient
 * norm (1e-4), the updated parameters (every one within 2·lr + 1e-6 — the first Adam step is ≈ sign(g) —
 * and nine in ten within 1e-5), step 1's loss (1e-4). Skipped without g++.
 */
class EmulatedPretrainerDeviceUpdatesTest {
    private static final double LR = 3e-3;

    private static Map<String, Object> common(Map<String, Object> model) {
        Map<String, Object> protocol = new LinkedHashMap<>(Map.of("kind", "A", "name", "tiny-A", "validation_per_class", 5,
                "labeled_head", 20, "labeled_gamma", 4, "unlabeled_head", 30, "unlabeled_gamma", 4));
        Map<String, Object> generated = new LinkedHashMap<>(Map.of("classes", 4, "per_class", 60, "test_per_class", 10, "size", 12, "seed", 3));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("data", new LinkedHashMap<>(Map.of("source", "generated", "generated", generated, "protocol", protocol, "split_seed", 1)));
        m.put("seed", 5);
        m.put("steps", 2);
        m.put("lr", LR);
        m.put("warmup", 0);
        return m;
    }

    @Test
    void armPretrainingStepsMatchTheCpu() {
        Map<String, Object> m = common(TrainerParity.model("vim", Map.of("depth", 2, "d_state", 4, "drop_path_rate", 0.0)));
        m.put("batch", 2);
        m.put("decoder_dim", 16);
        m.put("decoder_head_dim", 8);
        ArmPretrainConfig c = ArmPretrainConfig.fromMap(m);
        TrainingData data = TrainingData.load(c.data());
        ArmPretrainer cpu = new ArmPretrainer(c, data), gpu = new ArmPretrainer(c, data, EmulatedDeviceUpdatesTest.boundOps());
        ArmStepRecord c0 = cpu.runStep(), g0 = gpu.runStep();
        assertEquals(c0.loss(), g0.loss(), 1e-5 * Math.abs(c0.loss()), "step 0 loss");
        assertEquals(c0.gradNorm(), g0.gradNorm(), 1e-4 * c0.gradNorm(), "step 0 gradient norm");
        assertUpdatedClose(cpu.parameters(), gpu.parameters());
        assertEquals(cpu.runStep().loss(), gpu.runStep().loss(), 1e-4 * Math.abs(c0.loss()), "step 1 loss");
        assertEquals(2, gpu.state().adamW().step());
    }

    @Test
    void maePretrainingStepsMatchTheCpu() {
        Map<String, Object> m = common(TrainerParity.vit());
        m.put("batch", 4);
        m.put("shards", 1);
        m.put("mae", new LinkedHashMap<>(Map.of("decoder_width", 16, "decoder_depth", 1, "decoder_heads", 2, "mask_ratio", 0.5)));
        MaePretrainConfig c = MaePretrainConfig.fromMap(m);
        TrainingData data = TrainingData.load(c.data());
        Ops ops = EmulatedDeviceUpdatesTest.boundOps();
        MaePretrainer cpu = new MaePretrainer(c, data), gpu = new MaePretrainer(c, data, ops);
        MaePretrainer.StepRecord c0 = cpu.runStep(), g0 = gpu.runStep();
        assertEquals(c0.loss(), g0.loss(), 1e-5 * Math.abs(c0.loss()), "step 0 loss");
        assertEquals(c0.gradNorm(), g0.gradNorm(), 1e-4 * c0.gradNorm(), "step 0 gradient norm");
        assertUpdatedClose(cpu.parameters(), gpu.parameters());
        assertEquals(cpu.runStep().loss(), gpu.runStep().loss(), 1e-4 * Math.abs(c0.loss()), "step 1 loss");
        assertEquals(2, gpu.state().adamW().step());
    }

    private static void assertUpdatedClose(float[] cpu, float[] gpu) {
        assertEquals(cpu.length, gpu.length);
        int loose = 0;
        for (int i = 0; i < cpu.length; i++) {
            double err = Math.abs(cpu[i] - gpu[i]);
            int at = i;
            assertTrue(err <= 2 * LR + 1e-6, () -> "parameter " + at + ": cpu " + cpu[at] + " emulated cuda " + gpu[at]);
            if (err > 1e-5) loose++;
        }
        assertTrue(loose < cpu.length / 10, loose + " of " + cpu.length + " parameters differ by more than 1e-5");
    }
}
