package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.assertSameBits;
import static org.semivim.engine.testing.FloatArrays.uniform;

/**
 * {@link CpuNormOps} against {@link ReferenceNormOps} (the double reference rounded to float).
 *
 * <p>Tolerances. Forward: y is a product of three float factors (x, rstd, w) with rstd rounded
 * from double, a few ulps of |y|, so rtol 1e-6 + atol 1e-6 (values are O(1)). Backward dx:
 * rstd·(g − x̂·mean(g⊙x̂)) cancels between two O(1) terms computed in float, so its error is a
 * few ulps of the terms, not of dx: atol 2e-6. Weight gradients: sums over up to 3000 rows in
 * double of float products each off by ~1 ulp, rtol 1e-5 + atol 1e-5.
 */
class CpuNormOpsTest {
    private final NormOps cpu = new CpuNormOps();
    private final NormOps ref = new ReferenceNormOps();
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static Tensor prefilled(long seed, int... shape) {
        return uniform(seed, -0.5f, 0.5f, shape); // backwards accumulate: start from non-zero values
    }

    private void compareRms(int rows, int dim, long seed) {
        Tensor x = uniform(seed, -3f, 3f, rows, dim), w = uniform(seed + 1, 0.5f, 1.5f, dim);
        Tensor dy = uniform(seed + 2, -1f, 1f, rows, dim);
        Tensor yC = Tensor.zeros(rows, dim), yR = Tensor.zeros(rows, dim);
        Tensor rC = Tensor.zeros(rows), rR = Tensor.zeros(rows);
        cpu.rmsNormForward(x, w, 1e-5f, yC, rC);
        ref.rmsNormForward(x, w, 1e-5f, yR, rR);
        String at = " [" + rows + "," + dim + "]";
        assertClose("rms rstd" + at, rR.data, rC.data, 1e-6, 0);
        assertClose("rms y" + at, yR.data, yC.data, 1e-6, 1e-6);
        Tensor dxC = prefilled(seed + 3, rows, dim), dxR = dxC.copy();
        Tensor dwC = prefilled(seed + 4, dim), dwR = dwC.copy();
        cpu.rmsNormBackward(x, w, rR, dy, dxC, dwC);
        ref.rmsNormBackward(x, w, rR, dy, dxR, dwR);
        assertClose("rms dx" + at, dxR.data, dxC.data, 1e-6, 2e-6);
        assertClose("rms dw" + at, dwR.data, dwC.data, 1e-5, 1e-5);
    }

    private void compareLayer(int rows, int dim, long seed) {
        Tensor x = uniform(seed, -2f, 4f, rows, dim), w = uniform(seed + 1, 0.5f, 1.5f, dim);
        Tensor b = uniform(seed + 5, -0.5f, 0.5f, dim), dy = uniform(seed + 2, -1f, 1f, rows, dim);
        Tensor yC = Tensor.zeros(rows, dim), yR = Tensor.zeros(rows, dim);
        Tensor mC = Tensor.zeros(rows), mR = Tensor.zeros(rows), rC = Tensor.zeros(rows), rR = Tensor.zeros(rows);
        cpu.layerNormForward(x, w, b, 1e-6f, yC, mC, rC);
        ref.layerNormForward(x, w, b, 1e-6f, yR, mR, rR);
        String at = " [" + rows + "," + dim + "]";
        assertClose("ln mean" + at, mR.data, mC.data, 1e-6, 1e-7);
        assertClose("ln rstd" + at, rR.data, rC.data, 1e-6, 0);
        assertClose("ln y" + at, yR.data, yC.data, 1e-6, 2e-6);
        Tensor dxC = prefilled(seed + 3, rows, dim), dxR = dxC.copy();
        Tensor dwC = prefilled(seed + 4, dim), dwR = dwC.copy();
        Tensor dbC = prefilled(seed + 6, dim), dbR = dbC.copy();
        cpu.layerNormBackward(x, w, mR, rR, dy, dxC, dwC, dbC);
        ref.layerNormBackward(x, w, mR, rR, dy, dxR, dwR, dbR);
        assertClose("ln dx" + at, dxR.data, dxC.data, 1e-6, 2e-6);
        assertClose("ln dw" + at, dwR.data, dwC.data, 1e-5, 1e-5);
        assertClose("ln db" + at, dbR.data, dbC.data, 1e-6, 1e-5);
    }

    /**
     * The vector row update of the RMSNorm backward gives the bits of the plain scalar loop for every
     * element (dim 20 and 37: full vectors and a tail): dx against the loop computed here from the same
     * rstd and the same double dot product; dw against the loop's per-row double sums on one thread.
     */
    @Test
    void rmsNormBackwardRowUpdateIsTheScalarLoop() {
        Parallel.setThreads(1);
        for (int dim : new int[] {20, 37}) {
            int rows = 9;
            Tensor x = uniform(41, -3f, 3f, rows, dim), w = uniform(42, 0.5f, 1.5f, dim), dy = uniform(43, -1f, 1f, rows, dim);
            Tensor rstd = Tensor.zeros(rows);
            cpu.rmsNormForward(x, w, 1e-5f, Tensor.zeros(rows, dim), rstd);
            Tensor dx = prefilled(44, rows, dim), dw = prefilled(45, dim);
            float[] dxExpected = dx.toArray();
            double[] dwSum = new double[dim];
            for (int r = 0; r < rows; r++) {
                float rowRstd = rstd.data[r];
                double dot = 0;
                for (int j = 0; j < dim; j++) dot += (double) (dy.data[r * dim + j] * w.data[j]) * (x.data[r * dim + j] * rowRstd);
                float mean = (float) (dot / dim);
                for (int j = 0; j < dim; j++) {
                    float xhat = x.data[r * dim + j] * rowRstd;
                    dxExpected[r * dim + j] += rowRstd * (dy.data[r * dim + j] * w.data[j] - xhat * mean);
                    dwSum[j] += (double) dy.data[r * dim + j] * xhat;
                }
            }
            float[] dwExpected = dw.toArray();
            for (int j = 0; j < dim; j++) dwExpected[j] = (float) (dwExpected[j] + (0 + dwSum[j]));
            cpu.rmsNormBackward(x, w, rstd, dy, dx, dw);
            assertSameBits("rms dx [" + rows + "," + dim + "]", dxExpected, dx.toArray());
            assertSameBits("rms dw [" + rows + "," + dim + "]", dwExpected, dw.toArray());
        }
    }

    @Test
    void rmsNormMatchesReferenceOnOddAndLargeSizes() {
        compareRms(37, 29, 100);
        compareRms(1, 1, 110);
        compareRms(3000, 192, 120);
    }

    @Test
    void layerNormMatchesReferenceOnOddAndLargeSizes() {
        compareLayer(37, 29, 200);
        compareLayer(1, 3, 210);
        compareLayer(3000, 192, 220);
    }

    @Test
    void layerNormHasNoCancellationWhenTheMeanIsLarge() {
        int rows = 4, dim = 64;
        Tensor x = uniform(300, 999f, 1001f, rows, dim), w = Tensor.zeros(dim), b = Tensor.zeros(dim);
        w.fill(1f);
        Tensor yC = Tensor.zeros(rows, dim), yR = Tensor.zeros(rows, dim);
        cpu.layerNormForward(x, w, b, 1e-6f, yC, Tensor.zeros(rows), Tensor.zeros(rows));
        ref.layerNormForward(x, w, b, 1e-6f, yR, Tensor.zeros(rows), Tensor.zeros(rows));
        // x − mean is exact in float here (|x| < 1024, float mean rounded at 6e-5), so y stays close
        assertClose("ln y, mean 1000", yR.data, yC.data, 1e-4, 1e-4);
    }

    /** Runs both norms forward and backward on 3000×192 rows and returns every output, concatenated. */
    private float[] runAll() {
        int rows = 3000, dim = 192;
        Tensor x = uniform(400, -3f, 3f, rows, dim), w = uniform(401, 0.5f, 1.5f, dim);
        Tensor b = uniform(402, -0.5f, 0.5f, dim), dy = uniform(403, -1f, 1f, rows, dim);
        Tensor y = Tensor.zeros(rows, dim), rstd = Tensor.zeros(rows), mean = Tensor.zeros(rows);
        Tensor dx = Tensor.zeros(rows, dim), dw = Tensor.zeros(dim), db = Tensor.zeros(dim);
        Tensor y2 = Tensor.zeros(rows, dim), rstd2 = Tensor.zeros(rows);
        Tensor dx2 = Tensor.zeros(rows, dim), dw2 = Tensor.zeros(dim);
        cpu.layerNormForward(x, w, b, 1e-6f, y, mean, rstd);
        cpu.layerNormBackward(x, w, mean, rstd, dy, dx, dw, db);
        cpu.rmsNormForward(x, w, 1e-5f, y2, rstd2);
        cpu.rmsNormBackward(x, w, rstd2, dy, dx2, dw2);
        Tensor[] all = {y, mean, rstd, dx, dw, db, y2, rstd2, dx2, dw2};
        int n = 0;
        for (Tensor t : all) n += t.size;
        float[] out = new float[n];
        int o = 0;
        for (Tensor t : all) {
            System.arraycopy(t.data, t.offset, out, o, t.size);
            o += t.size;
        }
        return out;
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        assertTrue(new RowPartition(3000, 192).tasks > 3, "the test needs several tasks to mean anything");
        Parallel.setThreads(1);
        float[] one = runAll();
        Parallel.setThreads(3);
        float[] three = runAll();
        assertSameBits("norms with 1 vs 3 threads", one, three);
    }

    @Test
    void badShapesAreRejectedWithClearMessages() {
        for (NormOps ops : new NormOps[] {cpu, ref}) {
            Tensor x = Tensor.zeros(4, 6), w = Tensor.zeros(6);
            expectMessage(() -> ops.rmsNormForward(x, Tensor.zeros(5), 1e-5f, Tensor.zeros(4, 6), Tensor.zeros(4)),
                    "x must have last dimension 5", "[4, 6]");
            expectMessage(() -> ops.rmsNormForward(x, w, 1e-5f, Tensor.zeros(4, 5), Tensor.zeros(4)),
                    "y must have the shape of x [4, 6]", "[4, 5]");
            expectMessage(() -> ops.rmsNormForward(x, w, 1e-5f, Tensor.zeros(4, 6), Tensor.zeros(3)),
                    "rstd must have 4 elements", "got 3");
            expectMessage(() -> ops.rmsNormForward(x, Tensor.zeros(1, 6), 1e-5f, Tensor.zeros(4, 6), Tensor.zeros(4)),
                    "w must be a vector", "[1, 6]");
            expectMessage(() -> ops.rmsNormBackward(x, w, Tensor.zeros(4), Tensor.zeros(4, 6), Tensor.zeros(4, 6), Tensor.zeros(5)),
                    "rmsNormBackward", "dw must have 6 elements");
            expectMessage(() -> ops.layerNormForward(x, w, Tensor.zeros(7), 1e-6f, Tensor.zeros(4, 6), Tensor.zeros(4), Tensor.zeros(4)),
                    "layerNormForward", "b must have 6 elements");
            expectMessage(() -> ops.layerNormBackward(x, w, Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(6, 4),
                    Tensor.zeros(4, 6), Tensor.zeros(6), Tensor.zeros(6)), "dy must have the shape of x [4, 6]", "[6, 4]");
            expectMessage(() -> ops.layerNormBackward(x, w, Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(4, 6),
                    null, Tensor.zeros(6), Tensor.zeros(6)), "dx must not be null");
        }
    }

    static void expectMessage(Runnable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
    }
}
