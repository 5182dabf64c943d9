package org.semivim.engine.reference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.testing.GradCheck;

import java.util.SplittableRandom;

/**
 * The projected scan in double (dt_proj folded into the selective scan: Δraw = dtr·W_dtᵀ, then
 * {@link ScanRef}): the gradients of dtr and W_dt from {@link DeltaProjectionRef#backward} applied to
 * ScanRef's dΔraw, against central differences of the whole composition (STYLE.md §3).
 */
class DeltaProjectionRefTest {
    private static final int RANK = 3;

    private static double[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = (float) rnd.nextDouble(lo, hi);
        return r;
    }

    /** loss = Σ wOut·out + Σ wReadout·(y − d⊙u) of the scan with Δraw = dtr·wᵀ. */
    private static double loss(ScanInputs s, double[] dtr, double[] w, boolean reverse, double[] wOut, double[] wReadout) {
        double[] deltaRaw = DeltaProjectionRef.project(dtr, w, s.batch * s.len, s.channels, RANK);
        double[] y = new double[s.u.length], out = new double[s.u.length];
        ScanRef.selectiveScanForward(s.u, deltaRaw, s.deltaBias, s.aLog, s.bm, s.cm, s.d, s.z, reverse, y, out,
                s.batch, s.len, s.channels, s.states);
        double l = 0;
        for (int i = 0; i < out.length; i++) {
            l += wOut[i] * out[i];
            if (wReadout != null) l += wReadout[i] * (y[i] - s.d[i % s.channels] * s.u[i]);
        }
        return l;
    }

    @ParameterizedTest(name = "reverse={0} readout={1}")
    @CsvSource({"false,false", "true,true"})
    void dtrAndWeightGradientsMatchCentralDifferences(boolean reverse, boolean withReadout) {
        ScanInputs s = new ScanInputs(2, 6, 5, 3, 61);
        int rows = s.batch * s.len;
        double[] dtr = uniform(62, rows * RANK, -1, 1), w = uniform(63, s.channels * RANK, -1, 1);
        double[] wOut = s.randomTokens(64), wReadout = withReadout ? s.randomTokens(65) : null;
        double[] deltaRaw = DeltaProjectionRef.project(dtr, w, rows, s.channels, RANK);
        double[][] g = new double[8][];
        double[][] in = {s.u, deltaRaw, s.deltaBias, s.aLog, s.bm, s.cm, s.d, s.z};
        for (int k = 0; k < 8; k++) g[k] = new double[in[k].length];
        ScanRef.selectiveScanBackward(s.u, deltaRaw, s.deltaBias, s.aLog, s.bm, s.cm, s.d, s.z, reverse, wOut, wReadout,
                g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], s.batch, s.len, s.channels, s.states);
        double[] dDtr = new double[dtr.length], dW = new double[w.length];
        DeltaProjectionRef.backward(g[1], dtr, w, rows, s.channels, RANK, dDtr, dW);
        GradCheck.check("dDtr", dtr, dDtr, v -> loss(s, dtr, w, reverse, wOut, wReadout), 1e-6, 1e-6, 1e-9, 400);
        GradCheck.check("dDtWeight", w, dW, v -> loss(s, dtr, w, reverse, wOut, wReadout), 1e-6, 1e-6, 1e-9, 400);
    }
}
