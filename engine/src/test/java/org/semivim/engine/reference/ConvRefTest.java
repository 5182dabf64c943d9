package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.semivim.engine.reference.ScanRefTest.flip;

/** The double depthwise conv1d and patch extraction: gradients, direction symmetry, adjointness. */
class ConvRefTest {
    private static final int B = 2, L = 7, E = 3, K = 4;

    private static double[] random(long seed, int n) {
        return GradCheck.randomWeights(seed, n);
    }

    private static double[] conv(double[] x, double[] w, double[] bias, boolean reverse) {
        double[] out = new double[x.length];
        ConvRef.depthwiseConv1dForward(x, w, bias, reverse, out, B, L, E, K);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] convSilu(double[] x, double[] w, double[] bias, boolean reverse) {
        double[] pre = new double[x.length], u = new double[x.length];
        ConvRef.depthwiseConv1dSiluForward(x, w, bias, reverse, pre, u, B, L, E, K);
        return u;
    }

    /** The fused conv1d + SiLU: u = SiLU(conv(x)); its backward against central differences, and accumulation. */
    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void conv1dSiluBackwardMatchesCentralDifferences(boolean reverse) {
        double[] x = random(1, B * L * E), w = random(2, E * K), bias = random(3, E), r = random(4, B * L * E);
        double[] pre = new double[x.length], u = new double[x.length];
        ConvRef.depthwiseConv1dSiluForward(x, w, bias, reverse, pre, u, B, L, E, K);
        assertArrayEquals(conv(x, w, bias, reverse), pre, 0.0);
        for (int i = 0; i < u.length; i++) assertEquals(ActivationRef.silu(pre[i]), u[i], 0.0);
        double[] dx = new double[x.length], dw = new double[w.length], db = new double[bias.length];
        dx[0] = 1;
        ConvRef.depthwiseConv1dSiluBackward(x, w, pre, reverse, r, dx, dw, db, B, L, E, K);
        dx[0] -= 1;                                                    // accumulated onto the 1
        GradCheck.check("dx", x, dx, v -> dot(r, convSilu(v, w, bias, reverse)));
        GradCheck.check("dw", w, dw, v -> dot(r, convSilu(x, v, bias, reverse)));
        GradCheck.check("db", bias, db, v -> dot(r, convSilu(x, w, v, reverse)));
    }

    /** The backward that recomputes pre from x (no pre kept by the forward): against central differences of u = SiLU(conv(x)). */
    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void conv1dSiluBackwardFromInputMatchesCentralDifferences(boolean reverse) {
        double[] x = random(11, B * L * E), w = random(12, E * K), bias = random(13, E), r = random(14, B * L * E);
        double[] dx = new double[x.length], dw = new double[w.length], db = new double[bias.length];
        db[1] = 1;
        ConvRef.depthwiseConv1dSiluBackwardFromInput(x, w, bias, reverse, r, dx, dw, db, B, L, E, K);
        db[1] -= 1;                                                    // accumulated onto the 1
        GradCheck.check("dx", x, dx, v -> dot(r, convSilu(v, w, bias, reverse)));
        GradCheck.check("dw", w, dw, v -> dot(r, convSilu(x, v, bias, reverse)));
        GradCheck.check("db", bias, db, v -> dot(r, convSilu(x, w, v, reverse)));
    }

    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void conv1dBackwardMatchesCentralDifferences(boolean reverse) {
        double[] x = random(1, B * L * E), w = random(2, E * K), bias = random(3, E), r = random(4, B * L * E);
        double[] dx = new double[x.length], dw = new double[w.length], db = new double[bias.length];
        ConvRef.depthwiseConv1dBackward(x, w, reverse, r, dx, dw, db, B, L, E, K);
        GradCheck.check("dx", x, dx, v -> dot(r, conv(v, w, bias, reverse)));
        GradCheck.check("dw", w, dw, v -> dot(r, conv(x, v, bias, reverse)));
        GradCheck.check("db", bias, db, v -> dot(r, conv(x, w, v, reverse)));
    }

    @Test
    void antiCausalEqualsFlipCausalFlip() {
        // the backward branch runs the causal conv on the reversed sequence (vim-spec.md §4)
        double[] x = random(5, B * L * E), w = random(6, E * K), bias = random(7, E);
        double[] viaFlip = flip(conv(flip(x, B, L, E), w, bias, false), B, L, E);
        assertArrayEquals(viaFlip, conv(x, w, bias, true), 1e-15);

        double[] dout = random(8, B * L * E);
        double[] dxRev = new double[x.length], dwRev = new double[w.length], dbRev = new double[E];
        ConvRef.depthwiseConv1dBackward(x, w, true, dout, dxRev, dwRev, dbRev, B, L, E, K);
        double[] dxFlip = new double[x.length], dwFlip = new double[w.length], dbFlip = new double[E];
        ConvRef.depthwiseConv1dBackward(flip(x, B, L, E), w, false, flip(dout, B, L, E), dxFlip, dwFlip, dbFlip, B, L, E, K);
        assertArrayEquals(flip(dxFlip, B, L, E), dxRev, 1e-15);
        assertArrayEquals(dwFlip, dwRev, 1e-14);
        assertArrayEquals(dbFlip, dbRev, 1e-14);
    }

    @Test
    void causalTapsByHand() {
        // one channel, K = 3, w = [w0, w1, w2]: out_t = b + w0 x_{t-2} + w1 x_{t-1} + w2 x_t; anti-causal mirrors the taps
        double[] x = {1, 10, 100, 1000};
        double[] w = {3, 2, 1};
        double[] causal = new double[4], anti = new double[4];
        ConvRef.depthwiseConv1dForward(x, w, new double[] {0.5}, false, causal, 1, 4, 1, 3);
        ConvRef.depthwiseConv1dForward(x, w, new double[] {0.5}, true, anti, 1, 4, 1, 3);
        assertArrayEquals(new double[] {1.5, 12.5, 123.5, 1230.5}, causal, 0);
        assertArrayEquals(new double[] {321.5, 3210.5, 2100.5, 1000.5}, anti, 0);
    }

    @Test
    void patchifyByHand() {
        // 1 sample, 2 channels, 3×4 image whose pixel value is its flat index; p = 2, s = 2 → grid 1×2
        int c = 2, h = 3, w = 4, p = 2, s = 2;
        double[] img = new double[c * h * w];
        for (int i = 0; i < img.length; i++) img[i] = i;
        double[] patches = new double[2 * c * p * p];
        ConvRef.patchify(img, 1, c, h, w, p, s, patches);
        // patch (0,0): channel 0 rows 0-1 cols 0-1, then channel 1 (offset 12); patch (0,1): cols 2-3
        assertArrayEquals(new double[] {0, 1, 4, 5, 12, 13, 16, 17, 2, 3, 6, 7, 14, 15, 18, 19}, patches, 0);
        assertEquals(1, ConvRef.gridSize(h, p, s));
        assertEquals(2, ConvRef.gridSize(w, p, s));
    }

    @ParameterizedTest(name = "p={0} s={1}")
    @CsvSource({"4,4", "3,2", "4,1", "5,3"})
    void unpatchifyIsTheAdjointOfPatchify(int p, int s) {
        int batch = 2, chans = 3, h = 11, w = 9;
        int m = ConvRef.gridSize(h, p, s) * ConvRef.gridSize(w, p, s);
        double[] x = random(9, batch * chans * h * w);
        double[] y = random(10, batch * m * chans * p * p);
        double[] px = new double[y.length];
        ConvRef.patchify(x, batch, chans, h, w, p, s, px);
        double[] uy = new double[x.length];
        ConvRef.unpatchifyAccumulate(y, batch, chans, h, w, p, s, uy);
        double lhs = dot(px, y), rhs = dot(x, uy);
        assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)), "<patchify(x), y> vs <x, unpatchify(y)>");
    }

    @Test
    void overlappingPatchesAddUp() {
        // patch 2, stride 1 on a 3×3 image: a 2×2 grid; the centre pixel lies in all 4 patches, edges in 2, corners in 1
        double[] ones = new double[4 * 4];
        java.util.Arrays.fill(ones, 1);
        double[] dimg = new double[9];
        ConvRef.unpatchifyAccumulate(ones, 1, 1, 3, 3, 2, 1, dimg);
        assertArrayEquals(new double[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, dimg, 0);
    }
}
