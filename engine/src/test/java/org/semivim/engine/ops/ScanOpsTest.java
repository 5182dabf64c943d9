package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CpuScanOps (float, parallel) against ReferenceScanOps (the double reference), thread independence, bad input. */
class ScanOpsTest {
    private final ScanOps cpu = new CpuScanOps();
    private final ScanOps ref = new ReferenceScanOps();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Forward outputs and, for the backward, the eight gradients in signature order. */
    private record Result(Tensor y, Tensor out, Tensor[] grads) {}

    private static Result run(ScanOps ops, ScanInputs s, boolean reverse, boolean withReadout, float gradPrefill) {
        Tensor[] in = s.tensors();
        Tensor y = Tensor.zeros(s.batch, s.len, s.channels), out = Tensor.zeros(s.batch, s.len, s.channels);
        ops.selectiveScanForward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], reverse, y, out);
        Tensor dOut = ScanInputs.tensor(s.randomTokens(101), s.batch, s.len, s.channels);
        Tensor dReadout = withReadout ? ScanInputs.tensor(s.randomTokens(102), s.batch, s.len, s.channels) : null;
        Tensor[] g = new Tensor[8];
        for (int k = 0; k < 8; k++) {
            g[k] = Tensor.zeros(s.shapeOf(k));
            g[k].fill(gradPrefill);
        }
        ops.selectiveScanBackward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], reverse, dOut, dReadout,
                g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
        return new Result(y, out, g);
    }

    /** Largest |a − b| divided by the largest |b| of the tensor (a float scan vs the double reference). */
    private static double relativeToMax(Tensor a, Tensor b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.size; i++) {
            diff = Math.max(diff, Math.abs(a.get(i) - b.get(i)));
            scale = Math.max(scale, Math.abs(b.get(i)));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static void assertClose(Tensor cpu, Tensor ref, double tol, String what) {
        double err = relativeToMax(cpu, ref);
        assertTrue(err <= tol, what + ": max |cpu − reference| / max|reference| = " + err + " > " + tol);
    }

    /**
     * Tolerances, relative to each tensor's max: the float scan rounds every state update and every step
     * of the reverse sweep, so errors grow with L (a decaying recurrence keeps them to a few ulps times
     * the effective memory), and dBm/dCm/dD/dALog add E or B·L such float terms (summed in double).
     * Measured (FastMath exp2Decay/softplus, float sums as CpuScanOps describes): at most 1.3e-7
     * (forward) and 3.5e-7 (gradients) on both sizes. The limits, 1e-6 and 2e-6, leave room and stay far below
     * any indexing or formula error (order 1e-2 or more). Gradients start at 0.25, so an overwrite
     * instead of += fails. E = 20 with 16-lane vectors also runs a zero-padded partial block.
     */
    @ParameterizedTest(name = "B={0} L={1} E={2} N={3} reverse={4} readout={5}")
    @CsvSource({
            "3,17,20,5,false,false", "3,17,20,5,true,false", "3,17,20,5,false,true", "3,17,20,5,true,true",
            "16,50,256,16,false,true", "16,50,256,16,true,false"})
    void cpuMatchesReference(int batch, int len, int channels, int states, boolean reverse, boolean withReadout) {
        ScanInputs s = new ScanInputs(batch, len, channels, states, 7 + batch);
        s.deltaRaw[3] = 22; // exercises the softplus threshold
        Result c = run(cpu, s, reverse, withReadout, 0.25f);
        Result r = run(ref, s, reverse, withReadout, 0.25f);
        assertClose(c.y, r.y, 1e-6, "y");
        assertClose(c.out, r.out, 1e-6, "out");
        for (int k = 0; k < 8; k++) assertClose(c.grads[k], r.grads[k], 2e-6, "d" + ScanInputs.NAMES[k]);
    }

    /**
     * Large A and Δ: most decays exp(Δ·A) fall below e^−60, where the fast scan sets them to exactly
     * 0 (to keep sub-normal numbers out); that changes no result beyond the usual tolerance.
     */
    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void decaysFlushedToZeroStillMatchTheReference(boolean reverse) {
        ScanInputs s = new ScanInputs(2, 23, 19, 6, 41);
        for (int i = 0; i < s.aLog.length; i++) s.aLog[i] += Math.log(40);        // A down to −240
        for (int i = 0; i < s.deltaRaw.length; i++) s.deltaRaw[i] += 4.5;          // Δ up to ~6
        Result c = run(cpu, s, reverse, true, 0.25f);
        Result r = run(ref, s, reverse, true, 0.25f);
        assertClose(c.y, r.y, 1e-6, "y");
        assertClose(c.out, r.out, 1e-6, "out");
        for (int k = 0; k < 8; k++) assertClose(c.grads[k], r.grads[k], 2e-6, "d" + ScanInputs.NAMES[k]);
    }

    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void identicalBitsForAnyThreadCount(boolean reverse) {
        ScanInputs s = new ScanInputs(5, 13, 24, 6, 77);
        Parallel.setThreads(1);
        Result one = run(cpu, s, reverse, true, 0f);
        Parallel.setThreads(3);
        Result three = run(cpu, s, reverse, true, 0f);
        assertArrayEquals(one.out.toArray(), three.out.toArray(), "out");
        for (int k = 0; k < 8; k++) {
            assertArrayEquals(one.grads[k].toArray(), three.grads[k].toArray(), "d" + ScanInputs.NAMES[k]);
        }
    }

    @Test
    void rejectsBadShapes() {
        ScanInputs s = new ScanInputs(2, 3, 4, 2, 5);
        for (ScanOps ops : new ScanOps[] {cpu, ref}) {
            Tensor[] in = s.tensors();
            Tensor y = Tensor.zeros(2, 3, 4), out = Tensor.zeros(2, 3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanForward(
                    in[0], in[1], in[2], in[3], Tensor.zeros(2, 3, 5), in[5], in[6], in[7], false, y, out));
            assertTrue(e.getMessage().contains("bm") && e.getMessage().contains("[2, 3, 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanForward(
                    in[0], in[1], in[2], Tensor.zeros(5, 2), in[4], in[5], in[6], in[7], false, y, out));
            assertTrue(e.getMessage().contains("aLog"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanForward(
                    in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], false, y, Tensor.zeros(2, 4, 3)));
            assertTrue(e.getMessage().contains("out"), e.getMessage());
            Tensor[] g = new Tensor[8];
            for (int k = 0; k < 8; k++) g[k] = Tensor.zeros(s.shapeOf(k));
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanBackward(
                    in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], true, y, Tensor.zeros(2, 3),
                    g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]));
            assertTrue(e.getMessage().contains("dReadout"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanBackward(
                    in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], true, y, null,
                    g[0], g[1], g[2], Tensor.zeros(4), g[4], g[5], g[6], g[7]));
            assertTrue(e.getMessage().contains("dALog"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanBackward(
                    in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], true, null, null,
                    g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]));
            assertTrue(e.getMessage().contains("dOut"), e.getMessage());
        }
    }
}
