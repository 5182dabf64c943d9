package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The projected scan (dt_proj folded in, {@link ScanOps#selectiveScanForwardProjected}): CpuScanOps' fused
 * path and the interface's default composition (GEMM, then the plain scan ops) against ReferenceScanOps
 * (double throughout), thread independence, y left out, bad input.
 */
class ProjectedScanOpsTest {
    private final ScanOps cpu = new CpuScanOps();
    private final ScanOps ref = new ReferenceScanOps();
    /** Only the two plain methods of CpuScanOps: the projected calls run the interface's defaults. */
    private final ScanOps composed = new ScanOps() {
        @Override
        public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                         Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
            cpu.selectiveScanForward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, y, out);
        }

        @Override
        public void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                          Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout, Tensor du,
                                          Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD,
                                          Tensor dz) {
            cpu.selectiveScanBackward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, dOut, dReadout, du, dDeltaRaw,
                    dDeltaBias, dALog, dBm, dCm, dD, dz);
        }
    };
    private final GemmOps gemm = new CpuGemm();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static final String[] GRADS = {"du", "dDtr", "dDtWeight", "dDeltaBias", "dALog", "dBm", "dCm", "dD", "dz"};

    /** Forward outputs and the nine gradients in signature order. */
    private record Result(Tensor y, Tensor out, Tensor[] grads) {}

    private static Tensor random(long seed, double lo, double hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rnd.nextDouble(lo, hi);
        return t;
    }

    private static Result run(ScanOps ops, GemmOps gemm, ScanInputs s, int rank, boolean reverse, boolean withReadout,
                              boolean withY) {
        Tensor[] in = s.tensors();
        Tensor dtr = random(5, -1, 1, s.batch, s.len, rank), w = random(6, -0.6, 0.6, s.channels, rank);
        Tensor y = withY ? Tensor.zeros(s.batch, s.len, s.channels) : null, out = Tensor.zeros(s.batch, s.len, s.channels);
        ops.selectiveScanForwardProjected(gemm, in[0], dtr, w, in[2], in[3], in[4], in[5], in[6], in[7], reverse, y, out, false, 1f);
        Tensor dOut = ScanInputs.tensor(s.randomTokens(101), s.batch, s.len, s.channels);
        Tensor dReadout = withReadout ? ScanInputs.tensor(s.randomTokens(102), s.batch, s.len, s.channels) : null;
        int[][] shapes = {s.shapeOf(0), dtr.shape(), w.shape(), s.shapeOf(2), s.shapeOf(3), s.shapeOf(4), s.shapeOf(5),
                s.shapeOf(6), s.shapeOf(7)};
        Tensor[] g = new Tensor[9];
        for (int k = 0; k < 9; k++) {
            g[k] = Tensor.zeros(shapes[k]);
            g[k].fill(0.25f);                      // gradients accumulate: an overwrite fails the comparison
        }
        ops.selectiveScanBackwardProjected(gemm, in[0], dtr, w, in[2], in[3], in[4], in[5], in[6], in[7], reverse, dOut, dReadout,
                g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
        return new Result(y, out, g);
    }

    /** Largest |a − b| divided by the largest |b − 0.25 prefill| scale of the tensor. */
    private static double relativeToMax(Tensor a, Tensor b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.size; i++) {
            diff = Math.max(diff, Math.abs(a.get(i) - b.get(i)));
            scale = Math.max(scale, Math.abs(b.get(i)));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static void assertClose(Tensor actual, Tensor expected, double tol, String what) {
        double err = relativeToMax(actual, expected);
        assertTrue(err <= tol, what + ": max |actual − reference| / max|reference| = " + err + " > " + tol);
    }

    /**
     * Tolerances as ScanOpsTest's (relative to each tensor's max): forward 1e-6, gradients 2e-6. The
     * fused path rounds Δraw once per (t, e) after R float multiply-adds, where the reference keeps it
     * in double; measured worst cases are given in docs/benchmarks-engine.md (seventh round). E = 20
     * runs the zero-padded partial channel block; R = 8 is the Fashion-MNIST preset's dt rank.
     */
    @ParameterizedTest(name = "B={0} L={1} E={2} N={3} R={4} reverse={5} readout={6}")
    @CsvSource({
            "3,17,20,5,3,false,false", "3,17,20,5,3,true,true", "2,9,16,4,1,false,true",
            "16,50,256,16,8,false,true", "16,50,256,16,8,true,false"})
    void fusedAndDefaultPathsMatchTheReference(int batch, int len, int channels, int states, int rank, boolean reverse,
                                               boolean withReadout) {
        ScanInputs s = new ScanInputs(batch, len, channels, states, 17 + batch);
        Result r = run(ref, new ReferenceGemm(), s, rank, reverse, withReadout, true);
        for (ScanOps ops : new ScanOps[] {cpu, composed}) {
            String path = ops == cpu ? "fused: " : "default: ";
            Result c = run(ops, gemm, s, rank, reverse, withReadout, true);
            assertClose(c.y, r.y, 1e-6, path + "y");
            assertClose(c.out, r.out, 1e-6, path + "out");
            for (int k = 0; k < 9; k++) assertClose(c.grads[k], r.grads[k], 2e-6, path + GRADS[k]);
        }
    }

    @ParameterizedTest(name = "E={0} reverse={1}")
    @CsvSource({"24,false", "32,true"})
    void identicalBitsForAnyThreadCountAndWithoutY(int channels, boolean reverse) {
        ScanInputs s = new ScanInputs(5, 13, channels, 6, 77);
        Parallel.setThreads(1);
        Result one = run(cpu, gemm, s, 4, reverse, true, true);
        Parallel.setThreads(3);
        Result three = run(cpu, gemm, s, 4, reverse, true, false);
        assertArrayEquals(one.out.toArray(), three.out.toArray(), "out");
        for (int k = 0; k < 9; k++) assertArrayEquals(one.grads[k].toArray(), three.grads[k].toArray(), GRADS[k]);
    }

    /**
     * The buffers reused across calls (the per-sample partial rows the calling thread keeps, the
     * per-thread dΔraw rows the kernel writes without a zero-fill) give the bits of fresh ones: a call
     * after a larger one (more samples, steps, channels, a higher rank) against the same call on a
     * fresh thread, in place (E = 32) and padded (E = 20).
     */
    @ParameterizedTest(name = "E={0} reverse={1}")
    @CsvSource({"32,false", "20,true"})
    void reusedBuffersGiveTheBitsOfFreshOnes(int channels, boolean reverse) throws InterruptedException {
        Parallel.setThreads(1);                          // every task on the calling thread: its buffers are the reused ones
        ScanInputs s = new ScanInputs(3, 11, channels, 4, 29);
        Result[] fresh = new Result[1], reused = new Result[1];
        onFreshThread(() -> fresh[0] = run(cpu, gemm, s, 3, reverse, true, false));
        onFreshThread(() -> {
            run(cpu, gemm, new ScanInputs(6, 23, 48, 6, 31), 8, !reverse, true, false);
            reused[0] = run(cpu, gemm, s, 3, reverse, true, false);
        });
        assertArrayEquals(fresh[0].out.toArray(), reused[0].out.toArray(), "out");
        for (int k = 0; k < 9; k++) assertArrayEquals(fresh[0].grads[k].toArray(), reused[0].grads[k].toArray(), GRADS[k]);
    }

    /** Runs body on a new thread (new per-thread buffers) and waits for it; its failure fails the caller. */
    static void onFreshThread(Runnable body) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] != null) throw new AssertionError("on the fresh thread", failure[0]);
    }

    /** addToOut sets out = (out + g)·outScale with g the gated output of a plain call, bit for bit, on every path. */
    @ParameterizedTest(name = "E={0} reverse={1}")
    @CsvSource({"20,true", "32,false"})
    void mergeIntoOutIsTheRoundedMerge(int channels, boolean reverse) {
        ScanInputs s = new ScanInputs(3, 11, channels, 4, 91);
        Tensor[] in = s.tensors();
        Tensor dtr = random(5, -1, 1, s.batch, s.len, 3), w = random(6, -0.6, 0.6, s.channels, 3);
        Tensor prior = random(7, -2, 2, s.batch, s.len, s.channels);
        for (ScanOps ops : new ScanOps[] {cpu, composed, ref}) {
            GemmOps g = ops == ref ? new ReferenceGemm() : gemm;
            Tensor gated = Tensor.zeros(s.batch, s.len, s.channels), merged = prior.copy();
            ops.selectiveScanForwardProjected(g, in[0], dtr, w, in[2], in[3], in[4], in[5], in[6], in[7], reverse, null, gated, false, 1f);
            ops.selectiveScanForwardProjected(g, in[0], dtr, w, in[2], in[3], in[4], in[5], in[6], in[7], reverse, null, merged, true, 0.5f);
            float[] expected = new float[merged.size];
            for (int i = 0; i < expected.length; i++) expected[i] = (prior.data[i] + gated.data[i]) * 0.5f;
            assertArrayEquals(expected, merged.toArray(), "merged out");
        }
    }

    @Test
    void onlyTheFastBackendProjectsInside() {
        assertTrue(cpu.projectsDelta());
        assertFalse(ref.projectsDelta());
        assertFalse(composed.projectsDelta());
    }

    @Test
    void rejectsBadProjectionShapes() {
        ScanInputs s = new ScanInputs(2, 3, 4, 2, 5);
        Tensor[] in = s.tensors();
        Tensor out = Tensor.zeros(2, 3, 4);
        for (ScanOps ops : new ScanOps[] {cpu, ref, composed}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanForwardProjected(
                    gemm, in[0], Tensor.zeros(2, 3, 2), Tensor.zeros(4, 3), in[2], in[3], in[4], in[5], in[6], in[7], false, null, out, false, 1f));
            assertTrue(e.getMessage().contains("dtr") && e.getMessage().contains("[2, 3, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanForwardProjected(
                    gemm, in[0], Tensor.zeros(2, 3, 2), Tensor.zeros(5, 2), in[2], in[3], in[4], in[5], in[6], in[7], false, null, out, false, 1f));
            assertTrue(e.getMessage().contains("dtWeight"), e.getMessage());
            Tensor[] g = new Tensor[8];
            for (int k = 0; k < 8; k++) g[k] = Tensor.zeros(s.shapeOf(k));
            e = assertThrows(IllegalArgumentException.class, () -> ops.selectiveScanBackwardProjected(
                    gemm, in[0], Tensor.zeros(2, 3, 2), Tensor.zeros(4, 2), in[2], in[3], in[4], in[5], in[6], in[7], false, out, null,
                    g[0], Tensor.zeros(2, 3, 3), Tensor.zeros(4, 2), g[2], g[3], g[4], g[5], g[6], g[7]));
            assertTrue(e.getMessage().contains("dDtr"), e.getMessage());
        }
    }
}
