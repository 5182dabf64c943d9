package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.lyapema.FloatLyapEmaKernel;
import org.semivim.training.lyapema.LyapEmaConfig;
import org.semivim.training.lyapema.TrainableRanges;
import org.semivim.training.update.EmaUpdate;

import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kernels of optim.cu, emulated on the CPU ({@link KernelEmulator}), launched with the arguments
 * {@link CudaAdamW}, {@link CudaEmaUpdate} and {@link CudaLyapEmaKernel} pass: AdamW and the EMA
 * bit-identical to the CPU code, LyapEMA outputs bit-identical and its double sums d, V within
 * 1e-12 relative. (The classes themselves hold device-resident JCuda buffers; CudaOptimizerParityTest
 * runs them on a GPU.) Skipped without g++.
 */
class EmulatedOptimizerKernelsTest {

    private static ParameterSet params() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("a.weight", 33, 70);
        b.declare("a.bias", 33);
        b.declareNoDecay("pos_embed", 5, 40);
        b.declare("frozen.weight", 17, 9);
        b.declare("b.weight", 100, 71);
        return b.build();
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * r.nextDouble(-1, 1));
        return a;
    }

    @Test
    void adamWMomentsAndApplyAreBitIdentical() {
        ParameterSet ps = params();
        int n = ps.count();
        Set<String> frozen = Set.of("frozen.weight");
        System.arraycopy(random(n, 1, 1), 0, ps.flatValues().data, 0, n);
        AdamW adam = new AdamW(ps, 0.9, 0.999, 1e-8, 0.05, frozen);
        float[] warm = random(n, 2, 1e-2), grads = random(n, 3, 1e-2), dir = new float[n];
        adam.updateMoments(warm, dir);                     // step 1, so step 2 starts from non-zero moments
        float[] m0 = adam.firstMoment(), v0 = adam.secondMoment(), values0 = ps.flatValues().toArray();
        adam.updateMoments(grads, dir);
        float[] expectedValues = new float[n];
        adam.apply(values0, dir, 3e-3, 0.05, expectedValues);

        Tensor m = Tensor.wrap(m0.clone(), n), v = Tensor.wrap(v0.clone(), n), u = Tensor.zeros(n), to = Tensor.zeros(n);
        long step = 2;
        try (KernelEmulator.Session s = new KernelEmulator.Session(KernelEmulator.harness())) {
            Object kinds = s.bytes(CudaAdamW.kinds(ps, frozen));
            Object pu = s.out(u);
            s.launch("adamw_moments", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, s.in(Tensor.wrap(grads, n)), s.inOut(m), s.inOut(v),
                    pu, kinds, (long) n, 0.9f, 0.999f, (float) (1 - 0.9), (float) (1 - 0.999),
                    (float) (1 / (1 - Math.pow(0.9, step))), (float) (1 / Math.sqrt(1 - Math.pow(0.999, step))), 1e-8f);
            s.launch("adamw_apply", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, s.in(Tensor.wrap(values0, n)), pu, s.out(to), kinds,
                    (long) n, 3e-3f, (float) (1 - 3e-3 * 0.05));
        }
        assertArrayEquals(adam.firstMoment(), m.data, "m");
        assertArrayEquals(adam.secondMoment(), v.data, "v");
        assertArrayEquals(dir, u.data, "direction");
        assertArrayEquals(expectedValues, to.data, "values");
    }

    @Test
    void emaIsBitIdenticalAndNonFiniteIsFound() {
        int n = 5003;
        float[] teacher = random(n, 4, 1), student = random(n, 5, 1);
        float[] expected = teacher.clone();
        EmaUpdate.apply(expected, student, 0.9996);
        Tensor t = Tensor.wrap(teacher.clone(), n);
        float[] withNan = student.clone();
        withNan[4000] = Float.NaN;
        int[] finiteFlag = new int[1], nanFlag = new int[1];
        try (KernelEmulator.Session s = new KernelEmulator.Session(KernelEmulator.harness())) {
            s.launch("ema_update", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, s.inOut(t), s.in(Tensor.wrap(student, n)), (long) n,
                    0.9996f, (float) (1 - 0.9996));
            s.launch("any_nonfinite", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, s.in(Tensor.wrap(student, n)), (long) n, s.intsAtClose(finiteFlag));
            s.launch("any_nonfinite", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, s.in(Tensor.wrap(withNan, n)), (long) n, s.intsAtClose(nanFlag));
        }
        assertArrayEquals(expected, t.data);
        assertEquals(0, finiteFlag[0]);
        assertEquals(1, nanFlag[0]);
    }

    @Test
    void lyapEmaAttemptsMatchTheFloatKernel() {
        ParameterSet ps = params();
        int n = ps.count();
        Set<String> frozen = Set.of("frozen.weight");
        AdamW adam = new AdamW(ps, 0.9, 0.999, 1e-8, 0.05, frozen);
        float[] dir = new float[n];
        adam.updateMoments(random(n, 6, 1e-2), dir);
        float[] sPrev = random(n, 7, 1), tPrev = random(n, 8, 1), sOut = new float[n], tOut = new float[n];
        TrainableRanges trainable = TrainableRanges.of(ps, frozen);
        FloatLyapEmaKernel cpu = new FloatLyapEmaKernel(sPrev, tPrev, dir, adam::apply, 0.05, trainable, sOut, tOut);
        byte[] mask = new byte[n];
        trainable.forEachPieceIn(0, n, (a, b) -> java.util.Arrays.fill(mask, a, b, (byte) 1));
        int blocks = CudaLyapEmaKernel.blocks(n);
        for (LyapEmaConfig.Pull pull : LyapEmaConfig.Pull.values()) {
            for (double lam : new double[] {0, 0.3}) {
                double d0 = cpu.proposeStudent(2e-3, lam, pull), v0 = cpu.proposeTeacher(0.99);
                Tensor so = Tensor.zeros(n), to = Tensor.zeros(n);
                double[] dParts, vParts;
                int[] flag = new int[1];
                try (KernelEmulator.Session s = new KernelEmulator.Session(KernelEmulator.harness())) {
                    Object kinds = s.bytes(CudaAdamW.kinds(ps, frozen)), tr = s.bytes(mask);
                    Object ps0 = s.in(Tensor.wrap(sPrev, n)), pt0 = s.in(Tensor.wrap(tPrev, n)), pso = s.out(so);
                    s.launch("adamw_apply", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0, ps0, s.in(Tensor.wrap(dir, n)), pso, kinds,
                            (long) n, 2e-3f, (float) (1 - 2e-3 * 0.05));
                    Object dSums = s.scratchDoubles(blocks), vSums = s.scratchDoubles(blocks);
                    s.launch("lyap_student", blocks, 1, 1, 256, 1, 0, ps0, pt0, pso, tr, (long) n, (float) lam, lam != 0 ? 1 : 0,
                            pull == LyapEmaConfig.Pull.IMPLICIT ? 0 : 1, dSums);
                    s.launch("lyap_teacher", blocks, 1, 1, 256, 1, 0, pt0, pso, s.out(to), tr, (long) n, 0.99f, (float) (1 - 0.99),
                            vSums, s.intsAtClose(flag));
                    dParts = s.doublesAtClose(dSums, blocks);
                    vParts = s.doublesAtClose(vSums, blocks);
                }
                double d1 = 0, v1 = 0;
                for (double x : dParts) d1 += x;
                for (double x : vParts) v1 += x;
                assertEquals(d0, Math.sqrt(d1), 1e-12 * d0, "d, pull " + pull + " lam " + lam);
                assertEquals(v0, 0.5 * v1, 1e-12 * v0, "V");
                assertArrayEquals(sOut, so.data, "student, pull " + pull + " lam " + lam);
                assertArrayEquals(tOut, to.data, "teacher");
                assertEquals(0, flag[0]);
            }
        }
    }
}
