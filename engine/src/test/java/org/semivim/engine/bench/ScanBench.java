package org.semivim.engine.bench;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.ScanOps;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * CPU time of the fast selective scan's forward and backward alone at one shape (not a test: run
 * its main by hand, see docs/benchmarks-engine.md). Arguments: B L E N calls (default: the
 * vim-fmnist-small mixer shape 64 50 256 16, 30 calls); both directions are timed in turn. Best
 * and median of the calling thread's CPU time per call; run with {@code -Dsemivim.threads=1}. With
 * {@code -Dbench.wall=true} the figures are wall time instead (for runs with two engine threads). With
 * {@code -Dbench.projected=R} the projected forms run instead (dt_proj folded in, dt rank R).
 */
public final class ScanBench {
    private ScanBench() {}

    private static Tensor random(CounterRng rng, long salt, double scale, double shift, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) (shift + scale * rng.normal(salt + i));
        return t;
    }

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int l = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int e = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int calls = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        ScanOps scan = Ops.cpu().scan();
        CounterRng rng = CounterRng.of(5, "scan-bench");
        Tensor u = random(rng, 0, 1, 0, b, l, e), dRaw = random(rng, 1L << 30, 1, -2, b, l, e);
        Tensor z = random(rng, 2L << 30, 1, 0, b, l, e), dOut = random(rng, 3L << 30, 1, 0, b, l, e);
        Tensor bias = random(rng, 4L << 30, 0.5, 0, e), d = random(rng, 5L << 30, 1, 0, e);
        Tensor aLog = Tensor.zeros(e, n);
        for (int i = 0; i < e; i++) for (int k = 0; k < n; k++) aLog.data[i * n + k] = (float) Math.log(k + 1);
        Tensor bm = random(rng, 6L << 30, 1, 0, b, l, n), cm = random(rng, 7L << 30, 1, 0, b, l, n);
        Tensor y = Tensor.zeros(b, l, e), out = Tensor.zeros(b, l, e);
        Tensor du = Tensor.zeros(b, l, e), dDr = Tensor.zeros(b, l, e), dz = Tensor.zeros(b, l, e);
        Tensor dBias = Tensor.zeros(e), dA = Tensor.zeros(e, n), dBm = Tensor.zeros(b, l, n), dCm = Tensor.zeros(b, l, n),
                dD = Tensor.zeros(e);
        java.lang.management.ThreadMXBean mx0 = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean wall = Boolean.getBoolean("bench.wall");
        java.util.function.LongSupplier clock = wall ? System::nanoTime : mx0::getCurrentThreadCpuTime;
        int rank = Integer.getInteger("bench.projected", 0);
        Tensor dtr = rank > 0 ? random(rng, 8L << 30, 0.3, 0, b, l, rank) : null;
        Tensor wdt = rank > 0 ? random(rng, 9L << 30, 0.3, 0, e, rank) : null;
        Tensor dDtr = rank > 0 ? Tensor.zeros(b, l, rank) : null, dWdt = rank > 0 ? Tensor.zeros(e, rank) : null;
        org.semivim.engine.ops.GemmOps gemm = Ops.cpu().gemm();
        long[] fwd = new long[calls], bwd = new long[calls];
        for (int c = -10; c < calls; c++) {
            boolean reverse = (c & 1) == 1;
            long t0 = clock.getAsLong(), t1, t2;
            if (rank > 0) {
                scan.selectiveScanForwardProjected(gemm, u, dtr, wdt, bias, aLog, bm, cm, d, z, reverse, null, out, false, 1f);
                t1 = clock.getAsLong();
                scan.selectiveScanBackwardProjected(gemm, u, dtr, wdt, bias, aLog, bm, cm, d, z, reverse, dOut, null, du, dDtr, dWdt,
                        dBias, dA, dBm, dCm, dD, dz);
            } else {
                scan.selectiveScanForward(u, dRaw, bias, aLog, bm, cm, d, z, reverse, y, out);
                t1 = clock.getAsLong();
                scan.selectiveScanBackward(u, dRaw, bias, aLog, bm, cm, d, z, reverse, dOut, null, du, dDr, dBias, dA, dBm, dCm, dD, dz);
            }
            t2 = clock.getAsLong();
            if (c >= 0) {
                fwd[c] = t1 - t0;
                bwd[c] = t2 - t1;
            }
        }
        // a fingerprint of one fresh call per direction (to compare the bits of two builds)
        long hash = 17;
        for (boolean reverse : new boolean[] {false, true}) {
            Tensor[] grads = {du, dDr, dBias, dA, dBm, dCm, dD, dz};
            for (Tensor g : grads) g.fill(0f);
            scan.selectiveScanForward(u, dRaw, bias, aLog, bm, cm, d, z, reverse, y, out);
            scan.selectiveScanBackward(u, dRaw, bias, aLog, bm, cm, d, z, reverse, dOut, reverse ? z : null, du, dDr, dBias, dA,
                    dBm, dCm, dD, dz);
            for (Tensor t : new Tensor[] {y, out, du, dDr, dBias, dA, dBm, dCm, dD, dz}) {
                for (int i = 0; i < t.size; i++) hash = hash * 31 + Float.floatToRawIntBits(t.data[t.offset + i]);
            }
        }
        if (rank > 0) {                                     // the projected forms too (-Dbench.projected=R)
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor[] grads = {du, dDtr, dWdt, dBias, dA, dBm, dCm, dD, dz};
                for (Tensor g : grads) g.fill(0f);
                out.fill(0f);
                scan.selectiveScanForwardProjected(gemm, u, dtr, wdt, bias, aLog, bm, cm, d, z, reverse, y, out, reverse, 0.5f);
                scan.selectiveScanBackwardProjected(gemm, u, dtr, wdt, bias, aLog, bm, cm, d, z, reverse, dOut, reverse ? z : null, du,
                        dDtr, dWdt, dBias, dA, dBm, dCm, dD, dz);
                for (Tensor t : new Tensor[] {y, out, du, dDtr, dWdt, dBias, dA, dBm, dCm, dD, dz}) {
                    for (int i = 0; i < t.size; i++) hash = hash * 31 + Float.floatToRawIntBits(t.data[t.offset + i]);
                }
            }
        }
        System.out.printf("fingerprint of the results: %016x%n", hash);
        java.util.Arrays.sort(fwd);
        java.util.Arrays.sort(bwd);
        System.out.printf("scan B=%d L=%d E=%d N=%d, %s ms per call: forward best %.2f median %.2f, backward best %.2f median %.2f%n",
                b, l, e, n, wall ? "wall" : "CPU", fwd[0] / 1e6, fwd[calls / 2] / 1e6, bwd[0] / 1e6, bwd[calls / 2] / 1e6);
    }
}
