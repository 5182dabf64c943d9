package org.semivim.gpu;

import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepTrace;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.gpu.GpuTesting.assertClose;

/**
 * Tiny training runs and the comparison of a trainer on the CUDA ops (emulated or real) with the
 * same trainer on {@code Ops.cpu()}: step 0's loss (1e-5 relative), gradient (1e-3 of its scale),
 * updated student and teacher (1e-6 where the two gradients agree to 1e-3 relative, else 2·lr + 1e-6:
 * the first Adam step is ≈ sign(g); at most a tenth of them loose) and step 1's loss (1e-4 relative,
 * from parameters that already differ in the last bits).
 */
final class TrainerParity {
    static final double LR = 3e-3;

    private TrainerParity() {}

    static Map<String, Object> model(String arch, Map<String, Object> more) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("arch", arch, "img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "num_classes", 4, "drop_path_rate", 0.1));
        m.putAll(more);
        return m;
    }

    static Map<String, Object> vim() {
        return model("vim", Map.of("depth", 2, "d_state", 4));
    }

    static Map<String, Object> vit() {
        return model("vit", Map.of("depth", 1, "num_heads", 2));
    }

    /** 4 classes of generated 12×12 images, B_l 4 (+ B_u 8 for a teacher method), lr 3e-3 from step 0, {@code steps} steps. */
    static TrainConfig config(String method, Map<String, Object> model, double tau, long steps) {
        Map<String, Object> protocol = new LinkedHashMap<>(Map.of("kind", "A", "name", "tiny-A", "validation_per_class", 5,
                "labeled_head", 20, "labeled_gamma", 4, "unlabeled_head", 30, "unlabeled_gamma", 4));
        Map<String, Object> generated = new LinkedHashMap<>(Map.of("classes", 4, "per_class", 60, "test_per_class", 10, "size", 12, "seed", 3));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", model);
        m.put("data", new LinkedHashMap<>(Map.of("source", "generated", "generated", generated, "protocol", protocol, "split_seed", 1)));
        m.put("seed", 7);
        m.put("steps", steps);
        m.put("b_l", 4);
        if (!method.equals("supervised")) {
            m.put("mu_ratio", 2);
            m.put("tau", tau);
        }
        m.put("lr", LR);
        m.put("warmup", 0);
        return TrainConfig.fromMap(m);
    }

    /** Runs two steps of both trainers and compares them; returns the two traces of step 0 (cpu, gpu). */
    static StepTrace[] compareTwoSteps(ReferenceTrainer cpu, ReferenceTrainer gpu) {
        assertEquals(cpu.student().parameters().count(), gpu.student().parameters().count());
        StepTrace c = cpu.runStep(), g = gpu.runStep();
        assertEquals(c.record().loss(), g.record().loss(), 1e-5 * Math.abs(c.record().loss()), "step 0 loss");
        assertEquals(c.record().maskRate(), g.record().maskRate(), "step 0 mask rate");
        assertClose("step 0 gradient", c.gradient(), g.gradient(), 1e-3);
        assertUpdatedClose("student", c.gradient(), g.gradient(), cpu.studentParameters(), gpu.studentParameters());
        if (cpu.teacherParameters() != null) {
            assertUpdatedClose("teacher", c.gradient(), g.gradient(), cpu.teacherParameters(), gpu.teacherParameters());
        }
        StepTrace c1 = cpu.runStep(), g1 = gpu.runStep();
        assertEquals(c1.record().loss(), g1.record().loss(), 1e-4 * Math.abs(c1.record().loss()), "step 1 loss");
        return new StepTrace[] {c, g};
    }

    /**
     * Where the two gradients agree to 1e-3 relative, the first Adam step is the same and the updated
     * value must agree to 1e-6; elsewhere (gradients near zero, where the backends' rounding differs
     * in sign or size) to 2·lr + 1e-6. Those must be fewer than a tenth of the parameters.
     */
    static void assertUpdatedClose(String what, float[] cpuGradient, float[] gpuGradient, float[] cpu, float[] gpu) {
        assertUpdatedClose(what, cpuGradient, gpuGradient, cpu, gpu, 1e-6);
    }

    /** As above with {@code tight} where the gradients agree (a later Adam step is no longer ≈ sign(g): lr·1e-3·|u|). */
    static void assertUpdatedClose(String what, float[] cpuGradient, float[] gpuGradient, float[] cpu, float[] gpu, double tight) {
        assertEquals(cpu.length, gpu.length, what);
        int loose = 0;
        for (int i = 0; i < cpu.length; i++) {
            boolean agree = Math.abs(cpuGradient[i] - gpuGradient[i]) <= 1e-3 * Math.abs(cpuGradient[i]);
            double tol = agree ? tight : 2 * LR + 1e-6;
            double err = Math.abs(cpu[i] - gpu[i]);
            if (!agree) loose++;
            int at = i;
            assertTrue(err <= tol, () -> what + " " + at + ": cpu " + cpu[at] + " cuda " + gpu[at]
                    + " (gradients " + cpuGradient[at] + ", " + gpuGradient[at] + ")");
        }
        assertTrue(loose < cpu.length / 10, what + ": " + loose + " of " + cpu.length + " parameters compared loosely");
    }
}
