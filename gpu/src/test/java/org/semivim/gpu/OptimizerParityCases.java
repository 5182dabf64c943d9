package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.lyapema.FloatLyapEmaKernel;
import org.semivim.training.lyapema.LyapEmaConfig;
import org.semivim.training.lyapema.TrainableRanges;
import org.semivim.training.update.EmaUpdate;

import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CudaAdamW}, {@link CudaEmaUpdate} and {@link CudaLyapEmaKernel} on {@link #runtime()}
 * against their CPU implementations. The elementwise results are bit-identical (no fma contraction
 * in optim.cu); the double sums d and V agree to 1e-12 relative (another summation order).
 * {@code CudaOptimizerParityTest}: on a GPU (skipped without one); {@code EmulatedOptimizerParityTest}:
 * on the CPU emulation of the kernels (skipped without g++).
 */
abstract class OptimizerParityCases {
    /** The device under test. */
    abstract DeviceRuntime<?> runtime();

    private static ParameterSet params() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("a.weight", 33, 70);
        b.declare("a.bias", 33);
        b.declareNoDecay("pos_embed", 5, 40);
        b.declare("frozen.weight", 17, 9);
        b.declare("b.weight", 100, 71);
        return b.build();
    }

    private static void fill(float[] a, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < a.length; i++) a[i] = (float) (scale * r.nextDouble(-1, 1));
    }

    @Test
    void adamWIsBitIdenticalOverSeveralSteps() {
        ParameterSet cpu = params(), gpu = params();
        fill(cpu.flatValues().data, 1, 1);
        gpu.copyValuesFrom(cpu);
        Set<String> frozen = Set.of("frozen.weight");
        AdamW cpuAdam = new AdamW(cpu, 0.9, 0.999, 1e-8, 0.05, frozen);
        try (CudaAdamW gpuAdam = new CudaAdamW(runtime(), gpu, 0.9, 0.999, 1e-8, 0.05, frozen)) {
            for (int step = 0; step < 4; step++) {
                fill(cpu.flatGrads().data, 100 + step, 1e-2);
                System.arraycopy(cpu.flatGrads().data, 0, gpu.flatGrads().data, 0, cpu.count());
                cpuAdam.step(1e-3 * (step + 1));
                gpuAdam.step(1e-3 * (step + 1));
                assertArrayEquals(cpu.flatValues().data, gpu.flatValues().data, "values after step " + step);
            }
            AdamW.State c = cpuAdam.state(), g = gpuAdam.state();
            assertEquals(c.step(), g.step());
            assertArrayEquals(c.firstMoment(), g.firstMoment());
            assertArrayEquals(c.secondMoment(), g.secondMoment());
        }
        // resume: a fresh device optimizer restored from the CPU state continues bit-identically
        ParameterSet resumed = params();
        resumed.copyValuesFrom(cpu);
        try (CudaAdamW gpuAdam = new CudaAdamW(runtime(), resumed, 0.9, 0.999, 1e-8, 0.05, frozen)) {
            gpuAdam.restore(cpuAdam.state());
            fill(cpu.flatGrads().data, 200, 1e-2);
            System.arraycopy(cpu.flatGrads().data, 0, resumed.flatGrads().data, 0, cpu.count());
            cpuAdam.step(2e-3);
            gpuAdam.step(2e-3);
            assertArrayEquals(cpu.flatValues().data, resumed.flatValues().data, "values after a restored step");
        }
    }

    @Test
    void emaIsBitIdentical() {
        float[] teacherCpu = new float[10_003], student = new float[10_003];
        fill(teacherCpu, 3, 1);
        fill(student, 4, 1);
        float[] teacherGpu = teacherCpu.clone();
        EmaUpdate.apply(teacherCpu, student, 0.9996);
        new CudaEmaUpdate(runtime(), teacherGpu, student).apply(0.9996);
        assertArrayEquals(teacherCpu, teacherGpu);
    }

    @Test
    void lyapEmaAttemptsMatchTheFloatKernel() {
        ParameterSet cpu = params(), gpu = params();
        fill(cpu.flatValues().data, 5, 1);
        gpu.copyValuesFrom(cpu);
        fill(cpu.flatGrads().data, 6, 1e-2);
        System.arraycopy(cpu.flatGrads().data, 0, gpu.flatGrads().data, 0, cpu.count());
        Set<String> frozen = Set.of("frozen.weight");
        int n = cpu.count();
        AdamW cpuAdam = new AdamW(cpu, 0.9, 0.999, 1e-8, 0.05, frozen);
        float[] direction = new float[n];
        cpuAdam.updateMoments(cpu.flatGrads().data, direction);
        float[] teacher = new float[n];
        fill(teacher, 7, 1);
        TrainableRanges trainable = TrainableRanges.of(cpu, frozen);
        float[] sPrevCpu = cpu.flatValues().data.clone(), sOutCpu = new float[n], tOutCpu = new float[n];
        FloatLyapEmaKernel cpuKernel = new FloatLyapEmaKernel(sPrevCpu, teacher, direction, cpuAdam::apply, 0.05, trainable, sOutCpu, tOutCpu);
        try (CudaAdamW gpuAdam = new CudaAdamW(runtime(), gpu, 0.9, 0.999, 1e-8, 0.05, frozen)) {
            gpuAdam.updateMoments();
            float[] sPrevGpu = sPrevCpu.clone(), teacherGpu = teacher.clone(), sOutGpu = new float[n], tOutGpu = new float[n];
            CudaLyapEmaKernel gpuKernel = new CudaLyapEmaKernel(runtime(), gpuAdam, sPrevGpu, teacherGpu, trainable, sOutGpu, tOutGpu);
            assertTrue(gpuKernel.directionFinite());
            for (LyapEmaConfig.Pull pull : LyapEmaConfig.Pull.values()) {
                for (double lam : new double[] {0, 0.3}) {
                    double d0 = cpuKernel.proposeStudent(2e-3, lam, pull), d1 = gpuKernel.proposeStudent(2e-3, lam, pull);
                    assertEquals(d0, d1, 1e-12 * d0, "d for pull " + pull + " lam " + lam);
                    assertArrayEquals(sOutCpu, sOutGpu, "student for pull " + pull + " lam " + lam);
                    double v0 = cpuKernel.proposeTeacher(0.99), v1 = gpuKernel.proposeTeacher(0.99);
                    assertEquals(v0, v1, 1e-12 * v0, "V");
                    assertArrayEquals(tOutCpu, tOutGpu, "teacher");
                }
            }
            gpuKernel.keepPrevious();
            assertArrayEquals(sPrevGpu, sOutGpu);
            assertArrayEquals(teacherGpu, tOutGpu);
        }
    }
}
