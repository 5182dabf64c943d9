package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The double selective scan: gradients against central differences, direction symmetry, a naive formulation. */
class ScanRefTest {

    /** y and out of a forward pass. */
    private record Outputs(double[] y, double[] out) {}

    private static Outputs forward(ScanInputs s, double[][] in, boolean reverse) {
        double[] y = new double[s.u.length], out = new double[s.u.length];
        ScanRef.selectiveScanForward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], reverse, y, out,
                s.batch, s.len, s.channels, s.states);
        return new Outputs(y, out);
    }

    /** All eight gradients, in signature order, from zero. */
    private static double[][] backward(ScanInputs s, double[][] in, boolean reverse, double[] dOut, double[] dReadout) {
        double[][] g = new double[8][];
        for (int k = 0; k < 8; k++) g[k] = new double[in[k].length];
        ScanRef.selectiveScanBackward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], reverse, dOut, dReadout,
                g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], s.batch, s.len, s.channels, s.states);
        return g;
    }

    /**
     * loss = Σ wOut·out + Σ wReadout·r with r = y − d⊙u the raw readout, so ∂loss/∂out = wOut and the
     * extra readout gradient is wReadout (SSMixup, vim-spec.md §11).
     */
    private static double loss(ScanInputs s, double[][] in, boolean reverse, double[] wOut, double[] wReadout) {
        Outputs o = forward(s, in, reverse);
        double l = 0;
        for (int i = 0; i < o.out.length; i++) {
            l += wOut[i] * o.out[i];
            if (wReadout != null) {
                int e = i % s.channels;
                l += wReadout[i] * (o.y[i] - in[6][e] * in[0][i]);
            }
        }
        return l;
    }

    @ParameterizedTest(name = "reverse={0} readout={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void backwardMatchesCentralDifferencesForEveryInput(boolean reverse, boolean withReadout) {
        ScanInputs s = new ScanInputs(2, 6, 3, 4, 11);
        s.deltaRaw[5] = 23; // softplus argument above the threshold 20: Δ = arg, derivative 1
        double[] wOut = s.randomTokens(12);
        double[] wReadout = withReadout ? s.randomTokens(13) : null;
        double[][] in = s.all();
        double[][] g = backward(s, in, reverse, wOut, wReadout);
        for (int k = 0; k < 8; k++) {
            double[] x = in[k];
            GradCheck.check("d" + ScanInputs.NAMES[k], x, g[k], v -> loss(s, in, reverse, wOut, wReadout),
                    1e-6, 1e-6, 1e-9, 400);
        }
    }

    @Test
    void readoutGradientDoesNotReachDzOrDd() {
        // dz and dD see only ∂L/∂out (vim-spec.md §11); du differs only through the scan term
        ScanInputs s = new ScanInputs(2, 5, 3, 4, 21);
        double[] wOut = s.randomTokens(22), wReadout = s.randomTokens(23);
        double[][] plain = backward(s, s.all(), false, wOut, null);
        double[][] mixed = backward(s, s.all(), false, wOut, wReadout);
        assertArrayEquals(plain[7], mixed[7], 0, "dz");
        assertArrayEquals(plain[6], mixed[6], 0, "dD");
        assertTrue(maxAbsDiff(plain[5], mixed[5]) > 1e-3, "dC must change with a readout gradient");
    }

    @Test
    void reverseEqualsFlipForwardFlip() {
        ScanInputs s = new ScanInputs(3, 7, 4, 5, 31);
        double[][] in = s.all();
        double[][] flipped = in.clone();
        for (int k : new int[] {0, 1, 7}) flipped[k] = flip(in[k], s.batch, s.len, s.channels);
        for (int k : new int[] {4, 5}) flipped[k] = flip(in[k], s.batch, s.len, s.states);

        Outputs rev = forward(s, in, true);
        Outputs viaFlip = forward(s, flipped, false);
        assertArrayEquals(flip(viaFlip.out, s.batch, s.len, s.channels), rev.out, 1e-14, "out");
        assertArrayEquals(flip(viaFlip.y, s.batch, s.len, s.channels), rev.y, 1e-14, "y");

        double[] dOut = s.randomTokens(32), dReadout = s.randomTokens(33);
        double[][] gRev = backward(s, in, true, dOut, dReadout);
        double[][] gFlip = backward(s, flipped, false, flip(dOut, s.batch, s.len, s.channels),
                flip(dReadout, s.batch, s.len, s.channels));
        for (int k = 0; k < 8; k++) {
            double[] expected = switch (k) {
                case 0, 1, 7 -> flip(gFlip[k], s.batch, s.len, s.channels);
                case 4, 5 -> flip(gFlip[k], s.batch, s.len, s.states);
                default -> gFlip[k];
            };
            assertArrayEquals(expected, gRev[k], 1e-12, "d" + ScanInputs.NAMES[k]);
        }
    }

    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void forwardMatchesExplicitStateFormulation(boolean reverse) {
        ScanInputs s = new ScanInputs(2, 9, 5, 3, 41);
        s.deltaRaw[7] = 25;
        Outputs o = forward(s, s.all(), reverse);
        double[] expected = explicitStates(s, reverse);
        assertArrayEquals(expected, o.out, 1e-13, "out");
    }

    /**
     * An independent formulation (like selective_scan_ref): all Δ, exp(ΔA) and ΔBu first, every state
     * h [B,L,E,N] stored, the readout as a separate contraction.
     */
    private static double[] explicitStates(ScanInputs s, boolean reverse) {
        int bs = s.batch, l = s.len, es = s.channels, ns = s.states;
        double[][][][] decay = new double[bs][l][es][ns], input = new double[bs][l][es][ns], h = new double[bs][l][es][ns];
        for (int b = 0; b < bs; b++) for (int t = 0; t < l; t++) for (int e = 0; e < es; e++) {
            double x = s.deltaRaw[(b * l + t) * es + e] + s.deltaBias[e];
            double delta = x > 20 ? x : Math.log(1 + Math.exp(x));
            for (int n = 0; n < ns; n++) {
                decay[b][t][e][n] = Math.exp(-delta * Math.exp(s.aLog[e * ns + n]));
                input[b][t][e][n] = delta * s.bm[(b * l + t) * ns + n] * s.u[(b * l + t) * es + e];
            }
        }
        for (int b = 0; b < bs; b++) for (int e = 0; e < es; e++) for (int n = 0; n < ns; n++) {
            for (int step = 0; step < l; step++) {
                int t = reverse ? l - 1 - step : step, before = reverse ? t + 1 : t - 1;
                double prev = step == 0 ? 0 : h[b][before][e][n];
                h[b][t][e][n] = decay[b][t][e][n] * prev + input[b][t][e][n];
            }
        }
        double[] out = new double[bs * l * es];
        for (int b = 0; b < bs; b++) for (int t = 0; t < l; t++) for (int e = 0; e < es; e++) {
            double r = 0;
            for (int n = 0; n < ns; n++) r += h[b][t][e][n] * s.cm[(b * l + t) * ns + n];
            int i = (b * l + t) * es + e;
            double zz = s.z[i];
            out[i] = (r + s.d[e] * s.u[i]) * zz / (1 + Math.exp(-zz));
        }
        return out;
    }

    @Test
    void backwardAccumulates() {
        ScanInputs s = new ScanInputs(2, 4, 3, 2, 51);
        double[] dOut = s.randomTokens(52);
        double[][] in = s.all();
        double[][] once = backward(s, in, false, dOut, null);
        double[][] twice = backward(s, in, false, dOut, null);
        ScanRef.selectiveScanBackward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], false, dOut, null,
                twice[0], twice[1], twice[2], twice[3], twice[4], twice[5], twice[6], twice[7],
                s.batch, s.len, s.channels, s.states);
        for (int k = 0; k < 8; k++) {
            double[] doubled = once[k].clone();
            for (int i = 0; i < doubled.length; i++) doubled[i] *= 2;
            assertArrayEquals(doubled, twice[k], 1e-12, "d" + ScanInputs.NAMES[k]);
        }
    }

    @Test
    void softplusThreshold() {
        assertEquals(25.0, ScanRef.softplus(25.0));
        assertEquals(1.0, ScanRef.softplusGrad(20.5));
        assertEquals(Math.log1p(Math.exp(19.5)), ScanRef.softplus(19.5));
        assertEquals(ScanRef.sigmoid(19.5), ScanRef.softplusGrad(19.5));
    }

    /** Reverses the middle axis of [batch, len, width]. */
    static double[] flip(double[] a, int batch, int len, int width) {
        double[] r = new double[a.length];
        for (int b = 0; b < batch; b++) for (int t = 0; t < len; t++) {
            System.arraycopy(a, (b * len + t) * width, r, (b * len + len - 1 - t) * width, width);
        }
        return r;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static void assertArrayEquals(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        double diff = maxAbsDiff(expected, actual);
        assertTrue(diff <= tol * Math.max(1, scale), what + ": max abs difference " + diff + " (scale " + scale + ", tol " + tol + ")");
    }
}
