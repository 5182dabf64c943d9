package org.semivim.engine.ops;

import org.junit.jupiter.api.Test;
import org.semivim.engine.reference.ConvRef;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.reference.ScanRef;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.VimRefTensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebuilds the layer-0 mixer internals of the vim_ref.py fixture (act.layers.0.mixer.*) with the
 * conv and scan of this package, both directions: the forward branch causally, the backward branch
 * anti-causally with reverse = true in ORIGINAL token order (the fixture stores it flipped, §12.10).
 *
 * <p>Tolerance: the fixture's activations are float64 results rounded to float32, and the inputs we
 * take from them (xz, conv_out, B, C) carry that rounding (2⁻²⁴ relative), which the conv and the
 * L = 17 step scan amplify by at most a few times. Measured: the double path agrees to 5e-8 of each
 * tensor's max, the float backends to 1.1e-7. The limits, 1e-6 (double) and 2e-6 (float), leave
 * room for other JVMs' exp/log1p; an indexing or direction error shows up at order 1e-1.
 */
class MambaLayerZeroFixtureTest {
    private static final String P = "layers.0.mixer.";
    private static final String A = "act.layers.0.mixer.";

    private final VimRefTensors fx = VimRefTensors.load();
    private final int batch = fx.shape(A + "xz")[0], len = fx.derived("seq_len"), e = fx.derived("d_inner");
    private final int n = fx.config("d_state"), rank = fx.derived("dt_rank");

    /** Columns [from, from+width) of a row-major [rows, cols] array. */
    private static double[] columns(double[] a, int rows, int cols, int from, int width) {
        double[] r = new double[rows * width];
        for (int i = 0; i < rows; i++) System.arraycopy(a, i * cols + from, r, i * width, width);
        return r;
    }

    /** a [rows, k] · bᵀ with b [cols, k] (rows 'from'.. of b) → [rows, cols]. */
    private static double[] timesTransposed(double[] a, int rows, int k, double[] b, int bFrom, int cols) {
        double[] r = new double[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += a[i * k + p] * b[(bFrom + j) * k + p];
            r[i * cols + j] = s;
        }
        return r;
    }

    private static double[] flip(double[] a, int batch, int len, int width) {
        double[] r = new double[a.length];
        for (int b = 0; b < batch; b++) for (int t = 0; t < len; t++) {
            System.arraycopy(a, (b * len + t) * width, r, (b * len + len - 1 - t) * width, width);
        }
        return r;
    }

    private static void assertNear(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(scale > 0, what + " is all zeros");
        assertTrue(diff <= tol * scale, what + ": max abs diff " + diff + " > " + tol + " × max " + scale);
    }

    private static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    private double[] xz(boolean gate) {
        return columns(fx.doubles(A + "xz"), batch * len, 2 * e, gate ? e : 0, e);
    }

    /** conv weight (E,1,K) in the fixture = [E,K] here. */
    @Test
    void convOutputsOfBothDirections() {
        int taps = fx.shape(P + "conv1d.weight")[2];
        double[] x = xz(false);
        for (boolean backward : new boolean[] {false, true}) {
            String sfx = backward ? "_b" : "";
            double[] pre = new double[x.length];
            ConvRef.depthwiseConv1dForward(x, fx.doubles(P + "conv1d" + sfx + ".weight"), fx.doubles(P + "conv1d" + sfx + ".bias"),
                    backward, pre, batch, len, e, taps);
            double[] u = pre.clone();
            for (int i = 0; i < u.length; i++) u[i] = silu(u[i]);
            double[] expected = fx.doubles(A + (backward ? "bwd" : "fwd") + ".conv_out");
            if (backward) expected = flip(expected, batch, len, e);
            assertNear(expected, u, 1e-6, (backward ? "bwd" : "fwd") + " conv_out (double)");

            for (ConvOps ops : new ConvOps[] {new CpuConvOps(), new ReferenceConvOps()}) {
                Tensor out = Tensor.zeros(batch, len, e);
                ops.depthwiseConv1dForward(ScanInputs.tensor(x, batch, len, e),
                        ScanInputs.tensor(fx.doubles(P + "conv1d" + sfx + ".weight"), e, taps),
                        ScanInputs.tensor(fx.doubles(P + "conv1d" + sfx + ".bias"), e), backward, out);
                double[] got = new double[out.size];
                for (int i = 0; i < got.length; i++) got[i] = silu(out.get(i));
                assertNear(expected, got, 2e-6, (backward ? "bwd" : "fwd") + " conv_out (" + ops.getClass().getSimpleName() + ")");
            }
        }
    }

    /** The scan inputs of one direction in original token order, from the fixture's conv_out and parameters. */
    private ScanInputsFromFixture scanInputs(boolean backward) {
        String sfx = backward ? "_b" : "", tag = backward ? "bwd" : "fwd";
        int rows = batch * len;
        double[] u = fx.doubles(A + tag + ".conv_out");
        double[] bm = fx.doubles(A + tag + ".B"), cm = fx.doubles(A + tag + ".C"), delta = fx.doubles(A + tag + ".delta");
        if (backward) {
            u = flip(u, batch, len, e);
            bm = flip(bm, batch, len, n);
            cm = flip(cm, batch, len, n);
            delta = flip(delta, batch, len, e);
        }
        double[] xProj = fx.doubles(P + "x_proj" + sfx + ".weight");            // [R+2N, E]
        double[] dtr = timesTransposed(u, rows, e, xProj, 0, rank);             // [B·L, R]
        double[] deltaRaw = timesTransposed(dtr, rows, rank, fx.doubles(P + "dt_proj" + sfx + ".weight"), 0, e); // [B·L, E]
        // consistency of what we rebuilt with what the fixture stored
        assertNear(bm, timesTransposed(u, rows, e, xProj, rank, n), 1e-6, tag + " B = x_proj rows R..R+N−1 · u");
        assertNear(cm, timesTransposed(u, rows, e, xProj, rank + n, n), 1e-6, tag + " C = x_proj rows R+N.. · u");
        double[] bias = fx.doubles(P + "dt_proj" + sfx + ".bias");
        double[] softplus = new double[deltaRaw.length];
        for (int i = 0; i < softplus.length; i++) softplus[i] = ScanRef.softplus(deltaRaw[i] + bias[i % e]);
        assertNear(delta, softplus, 1e-6, tag + " delta = softplus(dt_proj(dtr) + bias)");
        return new ScanInputsFromFixture(u, deltaRaw, bias, fx.doubles(P + (backward ? "A_b_log" : "A_log")), bm, cm,
                fx.doubles(P + (backward ? "D_b" : "D")), xz(true));
    }

    private record ScanInputsFromFixture(double[] u, double[] deltaRaw, double[] deltaBias, double[] aLog,
                                         double[] bm, double[] cm, double[] d, double[] z) {}

    @Test
    void scanOutputsOfBothDirectionsAndTheMerge() {
        double[][] gated = new double[2][];
        for (boolean backward : new boolean[] {false, true}) {
            ScanInputsFromFixture s = scanInputs(backward);
            String tag = backward ? "bwd" : "fwd";
            double[] expected = fx.doubles(A + tag + ".y_gated");
            if (backward) expected = flip(expected, batch, len, e);

            double[] y = new double[s.u.length], out = new double[s.u.length];
            ScanRef.selectiveScanForward(s.u, s.deltaRaw, s.deltaBias, s.aLog, s.bm, s.cm, s.d, s.z, backward, y, out,
                    batch, len, e, n);
            assertNear(expected, out, 1e-6, tag + " y_gated (double)");
            gated[backward ? 1 : 0] = out;

            for (ScanOps ops : new ScanOps[] {new CpuScanOps(), new ReferenceScanOps()}) {
                Tensor yt = Tensor.zeros(batch, len, e), outT = Tensor.zeros(batch, len, e);
                ops.selectiveScanForward(ScanInputs.tensor(s.u, batch, len, e), ScanInputs.tensor(s.deltaRaw, batch, len, e),
                        ScanInputs.tensor(s.deltaBias, e), ScanInputs.tensor(s.aLog, e, n), ScanInputs.tensor(s.bm, batch, len, n),
                        ScanInputs.tensor(s.cm, batch, len, n), ScanInputs.tensor(s.d, e), ScanInputs.tensor(s.z, batch, len, e),
                        backward, yt, outT);
                double[] got = new double[outT.size];
                for (int i = 0; i < got.length; i++) got[i] = outT.get(i);
                assertNear(expected, got, 2e-6, tag + " y_gated (" + ops.getClass().getSimpleName() + ")");
            }
        }
        double[] merged = new double[gated[0].length];
        for (int i = 0; i < merged.length; i++) merged[i] = (gated[0][i] + gated[1][i]) / 2;
        assertNear(fx.doubles(A + "merged"), merged, 1e-6, "merged = (fwd + flip(bwd))/2");
    }
}
