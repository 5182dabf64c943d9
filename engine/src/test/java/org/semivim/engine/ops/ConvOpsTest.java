package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CpuConvOps (float, parallel) against ReferenceConvOps (the double reference), thread independence, bad input. */
class ConvOpsTest {
    private final ConvOps cpu = new CpuConvOps();
    private final ConvOps ref = new ReferenceConvOps();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static Tensor random(long seed, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return ScanInputs.tensor(GradCheck.randomWeights(seed, n), shape);
    }

    /** out, then dx, dw, db (each pre-filled with 0.5 so that += is checked too). */
    private static Tensor[] conv(ConvOps ops, int batch, int len, int ch, int taps, boolean reverse) {
        Tensor x = random(1, batch, len, ch), w = random(2, ch, taps), b = random(3, ch), dout = random(4, batch, len, ch);
        Tensor out = Tensor.zeros(batch, len, ch);
        ops.depthwiseConv1dForward(x, w, b, reverse, out);
        Tensor dx = Tensor.zeros(batch, len, ch), dw = Tensor.zeros(ch, taps), db = Tensor.zeros(ch);
        dx.fill(0.5f);
        dw.fill(0.5f);
        db.fill(0.5f);
        ops.depthwiseConv1dBackward(x, w, reverse, dout, dx, dw, db);
        return new Tensor[] {out, dx, dw, db};
    }

    /**
     * Tolerance 1e-6 of each tensor's max: out and dx sum K float products (a few ulps); dw and db sum
     * B·L products in double and round once. A wrong tap or direction gives errors of order 1.
     */
    @ParameterizedTest(name = "B={0} L={1} E={2} K={3} reverse={4}")
    @CsvSource({"3,17,20,4,false", "3,17,20,4,true", "16,50,256,4,false", "16,50,256,4,true", "2,3,5,6,true", "1,1,3,1,false"})
    void conv1dCpuMatchesReference(int batch, int len, int ch, int taps, boolean reverse) {
        Tensor[] c = conv(cpu, batch, len, ch, taps, reverse);
        Tensor[] r = conv(ref, batch, len, ch, taps, reverse);
        String[] names = {"out", "dx", "dw", "db"};
        for (int k = 0; k < 4; k++) {
            double diff = 0, scale = 0;
            for (int i = 0; i < c[k].size; i++) {
                diff = Math.max(diff, Math.abs(c[k].get(i) - r[k].get(i)));
                scale = Math.max(scale, Math.abs(r[k].get(i)));
            }
            assertTrue(diff <= 1e-6 * scale, names[k] + ": max diff " + diff + " vs scale " + scale);
        }
    }

    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void conv1dIdenticalBitsForAnyThreadCount(boolean reverse) {
        Parallel.setThreads(1);
        Tensor[] one = conv(cpu, 7, 19, 33, 4, reverse);
        Parallel.setThreads(3);
        Tensor[] three = conv(cpu, 7, 19, 33, 4, reverse);
        for (int k = 0; k < 4; k++) assertArrayEquals(one[k].toArray(), three[k].toArray());
    }

    /**
     * The fused conv1d + SiLU of ops: pre, u, then dx, dw, db (pre-filled with 0.5) from du; with
     * {@code fused = false} the backend's conv and SiLU one after the other (∂L/∂pre in a zero tensor).
     */
    private static Tensor[] convSilu(ConvOps ops, ElementwiseOps act, boolean fused, int batch, int len, int ch, int taps,
                                     boolean reverse) {
        Tensor x = random(1, batch, len, ch), w = random(2, ch, taps), b = random(3, ch), du = random(4, batch, len, ch);
        Tensor pre = Tensor.zeros(batch, len, ch), u = Tensor.zeros(batch, len, ch);
        pre.fill(Float.NaN);                                 // outputs: overwritten in full
        u.fill(Float.NaN);
        Tensor dx = Tensor.zeros(batch, len, ch), dw = Tensor.zeros(ch, taps), db = Tensor.zeros(ch);
        dx.fill(0.5f);
        dw.fill(0.5f);
        db.fill(0.5f);
        if (fused) {
            ConvSiluOps f = (ConvSiluOps) ops;
            f.depthwiseConv1dSiluForward(x, w, b, reverse, pre, u);
            f.depthwiseConv1dSiluBackward(x, w, pre, reverse, du, dx, dw, db);
        } else {
            ops.depthwiseConv1dForward(x, w, b, reverse, pre);
            act.siluForward(pre, u);
            Tensor dPre = Tensor.zeros(batch, len, ch);
            act.siluBackward(pre, du, dPre);
            ops.depthwiseConv1dBackward(x, w, reverse, dPre, dx, dw, db);
        }
        return new Tensor[] {pre, u, dx, dw, db};
    }

    private static final String[] CONV_SILU_NAMES = {"pre", "u", "dx", "dw", "db"};

    /** The fast fused op gives exactly the bits of CpuConvOps followed by CpuElementwiseOps (tails included: E = 20, 5, 3). */
    @ParameterizedTest(name = "B={0} L={1} E={2} K={3} reverse={4}")
    @CsvSource({"3,17,20,4,false", "3,17,20,4,true", "4,50,256,4,false", "4,50,256,4,true", "2,3,5,6,true", "1,1,3,1,false"})
    void fusedConvSiluGivesTheBitsOfConvThenSilu(int batch, int len, int ch, int taps, boolean reverse) {
        ElementwiseOps act = new CpuElementwiseOps();
        Tensor[] fused = convSilu(cpu, act, true, batch, len, ch, taps, reverse);
        Tensor[] apart = convSilu(cpu, act, false, batch, len, ch, taps, reverse);
        for (int k = 0; k < 5; k++) assertArrayEquals(apart[k].toArray(), fused[k].toArray(), CONV_SILU_NAMES[k]);
    }

    /**
     * Fast fused against the reference fused op (double throughout): tolerance 1e-6 of each tensor's max for
     * pre and u (a few ulps of the K-term sums and of FastMath's SiLU), 2e-6 for the gradients (the fast
     * path also rounds ∂L/∂pre to float and its SiLU′ is a few ulps off).
     */
    @ParameterizedTest(name = "B={0} L={1} E={2} K={3} reverse={4}")
    @CsvSource({"3,17,20,4,false", "3,17,20,4,true", "16,50,256,4,false", "16,50,256,4,true", "2,3,5,6,true"})
    void fusedConvSiluCpuMatchesReference(int batch, int len, int ch, int taps, boolean reverse) {
        Tensor[] c = convSilu(cpu, null, true, batch, len, ch, taps, reverse);
        Tensor[] r = convSilu(ref, null, true, batch, len, ch, taps, reverse);
        for (int k = 0; k < 5; k++) {
            double diff = 0, scale = 0;
            for (int i = 0; i < c[k].size; i++) {
                diff = Math.max(diff, Math.abs(c[k].get(i) - r[k].get(i)));
                scale = Math.max(scale, Math.abs(r[k].get(i)));
            }
            assertTrue(diff <= (k < 2 ? 1e-6 : 2e-6) * scale, CONV_SILU_NAMES[k] + ": max diff " + diff + " vs scale " + scale);
        }
    }

    /** The reference fused forward is the reference conv then the reference SiLU, exactly; its backward agrees to double rounding. */
    @Test
    void referenceFusedConvSiluIsTheComposition() {
        Tensor[] fused = convSilu(ref, null, true, 3, 9, 7, 4, true);
        Tensor[] apart = convSilu(ref, new ReferenceElementwiseOps(), false, 3, 9, 7, 4, true);
        assertArrayEquals(apart[0].toArray(), fused[0].toArray(), "pre");
        assertArrayEquals(apart[1].toArray(), fused[1].toArray(), "u");
        for (int k = 2; k < 5; k++) {
            for (int i = 0; i < fused[k].size; i++) {
                assertEquals(apart[k].get(i), fused[k].get(i), 1e-6f * Math.max(1f, Math.abs(apart[k].get(i))), CONV_SILU_NAMES[k]);
            }
        }
    }

    /**
     * The forward without pre and the backward that recomputes it give exactly the bits of the forward that
     * stores pre and the backward that reads it: on the fast path (tails included) and on the reference
     * path (the interfaces' default composition); thread count 1 and 3 alike.
     */
    @ParameterizedTest(name = "B={0} L={1} E={2} K={3} reverse={4}")
    @CsvSource({"3,17,20,4,false", "3,17,20,4,true", "4,50,256,4,true", "2,3,5,6,true"})
    void recomputedPreGivesTheBitsOfTheStoredPre(int batch, int len, int ch, int taps, boolean reverse) {
        for (ConvOps ops : new ConvOps[] {cpu, ref}) {
            for (int threads : new int[] {1, 3}) {
                Parallel.setThreads(threads);
                Tensor[] stored = convSilu(ops, null, true, batch, len, ch, taps, reverse);
                ConvSiluOps f = (ConvSiluOps) ops;
                Tensor x = random(1, batch, len, ch), w = random(2, ch, taps), b = random(3, ch), du = random(4, batch, len, ch);
                Tensor u = Tensor.zeros(batch, len, ch);
                u.fill(Float.NaN);                           // overwritten in full
                Tensor dx = Tensor.zeros(batch, len, ch), dw = Tensor.zeros(ch, taps), db = Tensor.zeros(ch);
                dx.fill(0.5f);
                dw.fill(0.5f);
                db.fill(0.5f);
                f.depthwiseConv1dSiluOutput(x, w, b, reverse, u);
                f.depthwiseConv1dSiluBackwardFromInput(x, w, b, reverse, du, dx, dw, db);
                Tensor[] recomputed = {u, dx, dw, db};
                for (int k = 0; k < 4; k++) {
                    assertArrayEquals(stored[k + 1].toArray(), recomputed[k].toArray(), ops + " " + CONV_SILU_NAMES[k + 1]);
                }
            }
        }
    }

    /**
     * The per-sample partial rows the calling thread keeps and the per-thread task rows, reused across
     * calls, give the bits of fresh ones: the conv backwards (plain, fused with a stored pre, fused from
     * the input) after larger calls against the same calls on a fresh thread.
     */
    @Test
    void reusedBuffersGiveTheBitsOfFreshOnes() throws InterruptedException {
        Parallel.setThreads(1);                          // every task on the calling thread: its buffers are the reused ones
        Tensor[][] fresh = new Tensor[1][], reused = new Tensor[1][];
        ProjectedScanOpsTest.onFreshThread(() -> fresh[0] = threeBackwards(3, 13, 20, 4, true));
        ProjectedScanOpsTest.onFreshThread(() -> {
            threeBackwards(5, 29, 40, 4, false);
            reused[0] = threeBackwards(3, 13, 20, 4, true);
        });
        for (int k = 0; k < fresh[0].length; k++) assertArrayEquals(fresh[0][k].toArray(), reused[0][k].toArray(), "result " + k);
    }

    /** dx, dw, db of depthwiseConv1dBackward, depthwiseConv1dSiluBackward and depthwiseConv1dSiluBackwardFromInput on cpu. */
    private Tensor[] threeBackwards(int batch, int len, int ch, int taps, boolean reverse) {
        Tensor x = random(1, batch, len, ch), w = random(2, ch, taps), b = random(3, ch), g = random(4, batch, len, ch);
        Tensor pre = Tensor.zeros(batch, len, ch), u = Tensor.zeros(batch, len, ch);
        ConvSiluOps f = (ConvSiluOps) cpu;
        f.depthwiseConv1dSiluForward(x, w, b, reverse, pre, u);
        Tensor[] r = new Tensor[9];
        for (int k = 0; k < 9; k += 3) {
            r[k] = Tensor.zeros(batch, len, ch);
            r[k + 1] = Tensor.zeros(ch, taps);
            r[k + 2] = Tensor.zeros(ch);
            r[k].fill(0.5f);
            r[k + 1].fill(0.5f);
            r[k + 2].fill(0.5f);
        }
        cpu.depthwiseConv1dBackward(x, w, reverse, g, r[0], r[1], r[2]);
        f.depthwiseConv1dSiluBackward(x, w, pre, reverse, g, r[3], r[4], r[5]);
        f.depthwiseConv1dSiluBackwardFromInput(x, w, b, reverse, g, r[6], r[7], r[8]);
        return r;
    }

    @Test
    void fusedConvSiluIdenticalBitsForAnyThreadCount() {
        Parallel.setThreads(1);
        Tensor[] one = convSilu(cpu, null, true, 7, 19, 33, 4, false);
        Parallel.setThreads(3);
        Tensor[] three = convSilu(cpu, null, true, 7, 19, 33, 4, false);
        for (int k = 0; k < 5; k++) assertArrayEquals(one[k].toArray(), three[k].toArray(), CONV_SILU_NAMES[k]);
    }

    @Test
    void fusedConvSiluRejectsBadOutputs() {
        for (ConvOps ops : new ConvOps[] {cpu, ref}) {
            ConvSiluOps f = (ConvSiluOps) ops;
            Tensor x = random(1, 2, 5, 4), w = random(2, 4, 3), b = random(3, 4), pre = Tensor.zeros(2, 5, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.depthwiseConv1dSiluForward(x, w, b, false, pre, Tensor.zeros(2, 5, 3)));
            assertTrue(e.getMessage().contains("depthwiseConv1dSiluForward"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> f.depthwiseConv1dSiluBackward(x, w, Tensor.zeros(2, 4, 4), false,
                    Tensor.zeros(2, 5, 4), Tensor.zeros(2, 5, 4), Tensor.zeros(4, 3), Tensor.zeros(4)));
            assertTrue(e.getMessage().contains("depthwiseConv1dSiluBackward"), e.getMessage());
        }
        Tensor shared = Tensor.zeros(2, 5, 4);                           // u in pre's array: the row-wise SiLU would read its own output
        assertThrows(IllegalArgumentException.class, () -> ((ConvSiluOps) cpu).depthwiseConv1dSiluForward(random(1, 2, 5, 4),
                random(2, 4, 3), random(3, 4), false, shared, shared.reshape(2, 5, 4)));
    }

    @ParameterizedTest(name = "H={0} W={1} p={2} s={3}")
    @CsvSource({"28,28,4,4", "28,28,7,7", "11,9,3,2", "10,10,4,1", "224,224,16,16"})
    void patchifyCpuMatchesReference(int h, int w, int p, int s) {
        int batch = 3, chans = 3, m = ((h - p) / s + 1) * ((w - p) / s + 1);
        Tensor img = random(5, batch, chans, h, w);
        Tensor pc = Tensor.zeros(batch, m, chans * p * p), pr = Tensor.zeros(batch, m, chans * p * p);
        cpu.patchify(img, p, s, pc);
        ref.patchify(img, p, s, pr);
        assertArrayEquals(pr.toArray(), pc.toArray(), "patchify is a copy: exact");

        Tensor dp = random(6, batch, m, chans * p * p);
        Tensor dc = Tensor.zeros(batch, chans, h, w), dr = Tensor.zeros(batch, chans, h, w);
        dc.fill(1f);
        dr.fill(1f);
        cpu.unpatchifyAccumulate(dp, p, s, dc);
        ref.unpatchifyAccumulate(dp, p, s, dr);
        // overlaps add up to ⌈p/s⌉² float terms in the fast path, summed in double by the reference
        for (int i = 0; i < dc.size; i++) assertEquals(dr.get(i), dc.get(i), 1e-6f * Math.max(1f, Math.abs(dr.get(i))));
    }

    @Test
    void rejectsBadShapes() {
        for (ConvOps ops : new ConvOps[] {cpu, ref}) {
            Tensor x = Tensor.zeros(2, 5, 4), out = Tensor.zeros(2, 5, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.depthwiseConv1dForward(x, Tensor.zeros(4, 1, 3), Tensor.zeros(4), false, out));
            assertTrue(e.getMessage().contains("w must be [E,K]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.depthwiseConv1dForward(x, Tensor.zeros(4, 3), Tensor.zeros(5), false, out));
            assertTrue(e.getMessage().contains("b: expected shape [4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.depthwiseConv1dBackward(
                    x, Tensor.zeros(4, 3), true, out, Tensor.zeros(2, 5, 4), Tensor.zeros(3, 4), Tensor.zeros(4)));
            assertTrue(e.getMessage().contains("dw: expected shape [4, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.patchify(Tensor.zeros(1, 1, 28, 28), 7, 7, Tensor.zeros(1, 16, 48)));
            assertTrue(e.getMessage().contains("patches: expected shape [1, 16, 49]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.patchify(Tensor.zeros(1, 1, 5, 5), 7, 7, Tensor.zeros(1, 1, 49)));
            assertTrue(e.getMessage().contains("smaller than the patch"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.unpatchifyAccumulate(Tensor.zeros(1, 16, 49), 7, 0, Tensor.zeros(1, 1, 28, 28)));
            assertTrue(e.getMessage().contains("stride"), e.getMessage());
        }
    }
}
