package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import static org.semivim.engine.ops.CpuNormOpsTest.expectMessage;
import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.assertSameBits;
import static org.semivim.engine.testing.FloatArrays.uniform;

/**
 * {@link CpuElementwiseOps} against {@link ReferenceElementwiseOps}.
 *
 * <p>Tolerances. SiLU and softplus forwards run in float with FastMath (at most 3.4 and 1.7 ulps,
 * see FastMath): rtol 1e-6, plus atol 1e-7 for values near 0. GELU evaluates Φ in double exactly
 * as the reference does, so its forward must be bit-identical. Backward slopes: GELU in double,
 * SiLU′ and σ (softplus′) in float with FastMath (within 2 ulps of 1 in absolute terms), then
 * dx + dy·f′ with one fma; dx starts non-zero, so atol 2e-7 ≈ 2 ulps of |dx| ≤ 1.5, plus rtol 1e-6.
 * Measured worst errors are 17 % (forward) and 40 % (backward) of these limits.
 */
class CpuElementwiseOpsTest {
    private final ElementwiseOps cpu = new CpuElementwiseOps();
    private final ElementwiseOps ref = new ReferenceElementwiseOps();
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** Inputs over [−25, 25] with the softplus threshold and its neighbours planted at the start. */
    private static Tensor inputs(long seed, int rows, int dim) {
        Tensor x = uniform(seed, -25f, 25f, rows, dim);
        float[] planted = {20f, Math.nextUp(20f), Math.nextDown(20f), 19.5f, 20.5f, 0f, -0f, 1e-30f, -88f, 88f};
        System.arraycopy(planted, 0, x.data, 0, Math.min(planted.length, x.size));
        return x;
    }

    private interface Forward { void run(ElementwiseOps ops, Tensor x, Tensor y); }
    private interface Backward { void run(ElementwiseOps ops, Tensor x, Tensor dy, Tensor dx); }

    private void compare(String name, Forward fwd, Backward bwd, boolean forwardExact, int rows, int dim, long seed) {
        Tensor x = inputs(seed, rows, dim), dy = uniform(seed + 1, -1f, 1f, rows, dim);
        Tensor yC = Tensor.zeros(rows, dim), yR = Tensor.zeros(rows, dim);
        fwd.run(cpu, x, yC);
        fwd.run(ref, x, yR);
        String at = " [" + rows + "," + dim + "]";
        if (forwardExact) assertSameBits(name + " forward" + at, yR.data, yC.data);
        else assertClose(name + " forward" + at, yR.data, yC.data, 1e-6, 1e-7);
        Tensor dxC = uniform(seed + 2, -0.5f, 0.5f, rows, dim), dxR = dxC.copy();
        bwd.run(cpu, x, dy, dxC);
        bwd.run(ref, x, dy, dxR);
        assertClose(name + " backward" + at, dxR.data, dxC.data, 1e-6, 2e-7);
    }

    private void compareAll(int rows, int dim, long seed) {
        compare("silu", ElementwiseOps::siluForward, ElementwiseOps::siluBackward, false, rows, dim, seed);
        compare("gelu", ElementwiseOps::geluForward, ElementwiseOps::geluBackward, true, rows, dim, seed + 10);
        compare("softplus", ElementwiseOps::softplusForward, ElementwiseOps::softplusBackward, false, rows, dim, seed + 20);
    }

    @Test
    void matchesReferenceOnOddAndLargeSizes() {
        compareAll(37, 29, 500);
        compareAll(1, 10, 510);
        compareAll(3000, 192, 520);
    }

    @Test
    void worksOnViewsWithOffsets() {
        Tensor storage = uniform(530, -3f, 3f, 100);
        Tensor x = Tensor.view(storage.data, 7, 5, 9);
        Tensor yC = Tensor.view(new float[60], 13, 5, 9), yR = Tensor.zeros(5, 9);
        cpu.siluForward(x, yC);
        ref.siluForward(x, yR);
        assertClose("silu on views", yR.data, yC.toArray(), 1e-6, 1e-7);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Tensor x = inputs(540, 3000, 192), dy = uniform(541, -1f, 1f, 3000, 192);
        float[][] runs = new float[2][];
        int[] threads = {1, 3};
        for (int i = 0; i < 2; i++) {
            Parallel.setThreads(threads[i]);
            Tensor y = Tensor.zeros(3000, 192), dx = Tensor.zeros(3000, 192);
            cpu.geluForward(x, y);
            cpu.siluBackward(x, dy, dx);
            cpu.softplusBackward(x, y, dx);
            float[] out = new float[2 * y.size];
            System.arraycopy(y.data, 0, out, 0, y.size);
            System.arraycopy(dx.data, 0, out, y.size, dx.size);
            runs[i] = out;
        }
        assertSameBits("activations with 1 vs 3 threads", runs[0], runs[1]);
    }

    @Test
    void badSizesAreRejectedWithClearMessages() {
        for (ElementwiseOps ops : new ElementwiseOps[] {cpu, ref}) {
            expectMessage(() -> ops.geluForward(Tensor.zeros(3, 4), Tensor.zeros(3, 5)),
                    "geluForward", "y must have as many elements as x (12), got 15");
            expectMessage(() -> ops.siluBackward(Tensor.zeros(3, 4), Tensor.zeros(12), Tensor.zeros(11)),
                    "siluBackward", "dx must have as many elements as x (12), got 11");
            expectMessage(() -> ops.softplusBackward(Tensor.zeros(2), null, Tensor.zeros(2)), "dy must not be null");
        }
    }
}
