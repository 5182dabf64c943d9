package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.semivim.engine.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.semivim.engine.testing.FloatArrays.uniformDoubles;

/** Finite-difference checks (double) of the RMSNorm and LayerNorm references, loss = Σ r ⊙ y. */
class NormRefTest {
    private static final int ROWS = 5, DIM = 7;
    private static final double EPS = 1e-5;

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double rmsLoss(double[] x, double[] w, double[] r) {
        double[] y = new double[ROWS * DIM];
        NormRef.rmsNormForward(x, w, EPS, y, new double[ROWS], ROWS, DIM);
        return dot(r, y);
    }

    private static double layerLoss(double[] x, double[] w, double[] b, double[] r) {
        double[] y = new double[ROWS * DIM];
        NormRef.layerNormForward(x, w, b, EPS, y, new double[ROWS], new double[ROWS], ROWS, DIM);
        return dot(r, y);
    }

    @Test
    void rmsNormGradientsMatchFiniteDifferences() {
        double[] x = uniformDoubles(1, -2, 2, ROWS * DIM);
        double[] w = uniformDoubles(2, 0.5, 1.5, DIM);
        double[] r = GradCheck.randomWeights(3, ROWS * DIM);
        double[] y = new double[ROWS * DIM], rstd = new double[ROWS];
        NormRef.rmsNormForward(x, w, EPS, y, rstd, ROWS, DIM);
        double[] dx = new double[ROWS * DIM], dw = new double[DIM];
        NormRef.rmsNormBackward(x, w, rstd, r, dx, dw, ROWS, DIM);
        GradCheck.check("rmsNorm dx", x, dx, xv -> rmsLoss(xv, w, r));
        GradCheck.check("rmsNorm dw", w, dw, wv -> rmsLoss(x, wv, r));
    }

    @Test
    void rmsNormForwardMatchesTheDefinition() {
        double[] x = {3, 4}; // mean(x²) = 12.5
        double[] y = new double[2], rstd = new double[1];
        NormRef.rmsNormForward(x, new double[] {1, 2}, 0.0, y, rstd, 1, 2);
        assertEquals(1 / Math.sqrt(12.5), rstd[0], 1e-16);
        assertEquals(3 / Math.sqrt(12.5), y[0], 1e-15);
        assertEquals(8 / Math.sqrt(12.5), y[1], 1e-15);
    }

    @Test
    void layerNormGradientsMatchFiniteDifferences() {
        double[] x = uniformDoubles(4, -2, 3, ROWS * DIM);
        double[] w = uniformDoubles(5, 0.5, 1.5, DIM);
        double[] b = uniformDoubles(6, -0.5, 0.5, DIM);
        double[] r = GradCheck.randomWeights(7, ROWS * DIM);
        double[] y = new double[ROWS * DIM], mean = new double[ROWS], rstd = new double[ROWS];
        NormRef.layerNormForward(x, w, b, EPS, y, mean, rstd, ROWS, DIM);
        double[] dx = new double[ROWS * DIM], dw = new double[DIM], db = new double[DIM];
        NormRef.layerNormBackward(x, w, mean, rstd, r, dx, dw, db, ROWS, DIM);
        GradCheck.check("layerNorm dx", x, dx, xv -> layerLoss(xv, w, b, r));
        GradCheck.check("layerNorm dw", w, dw, wv -> layerLoss(x, wv, b, r));
        GradCheck.check("layerNorm db", b, db, bv -> layerLoss(x, w, bv, r));
    }

    @Test
    void backwardsAccumulate() {
        double[] x = uniformDoubles(8, -1, 1, ROWS * DIM), w = uniformDoubles(9, 0.5, 1.5, DIM);
        double[] dy = uniformDoubles(10, -1, 1, ROWS * DIM);
        double[] y = new double[ROWS * DIM], rstd = new double[ROWS];
        NormRef.rmsNormForward(x, w, EPS, y, rstd, ROWS, DIM);
        double[] dxOnce = new double[ROWS * DIM], dwOnce = new double[DIM];
        NormRef.rmsNormBackward(x, w, rstd, dy, dxOnce, dwOnce, ROWS, DIM);
        double[] dxTwice = new double[ROWS * DIM], dwTwice = new double[DIM];
        NormRef.rmsNormBackward(x, w, rstd, dy, dxTwice, dwTwice, ROWS, DIM);
        NormRef.rmsNormBackward(x, w, rstd, dy, dxTwice, dwTwice, ROWS, DIM);
        for (int i = 0; i < dxOnce.length; i++) assertEquals(2 * dxOnce[i], dxTwice[i], 1e-12);
        for (int j = 0; j < DIM; j++) assertEquals(2 * dwOnce[j], dwTwice[j], 1e-12);
    }
}
