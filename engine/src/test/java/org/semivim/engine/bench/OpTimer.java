package org.semivim.engine.bench;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * Times single ops at the shapes of one ViM mixer direction (not a test; run its main by hand):
 * arguments B L E N [reps]. Prints the median time per call of each op.
 */
public final class OpTimer {
    private OpTimer() {}

    private static Tensor random(long seed, float scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        CounterRng rng = CounterRng.of(seed, "op-timer");
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rng.normal(i) * scale;
        return t;
    }

    private static void time(String name, int reps, Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        long[] ns = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            ns[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(ns);
        System.out.printf("  %-28s median %8.2f ms  min %8.2f ms%n", name, ns[reps / 2] / 1e6, ns[0] / 1e6);
    }

    public static void main(String[] args) {
        int b = Integer.parseInt(args[0]), l = Integer.parseInt(args[1]), e = Integer.parseInt(args[2]), n = Integer.parseInt(args[3]);
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        Ops ops = Ops.cpu();
        Tensor u = random(1, 1f, b, l, e), dr = random(2, 1f, b, l, e), z = random(3, 1f, b, l, e);
        Tensor bias = random(4, 0.5f, e), aLog = random(5, 0.5f, e, n), d = random(6, 1f, e);
        Tensor bm = random(7, 1f, b, l, n), cm = random(8, 1f, b, l, n);
        Tensor y = Tensor.zeros(b, l, e), out = Tensor.zeros(b, l, e), dOut = random(9, 1f, b, l, e);
        Tensor du = Tensor.zeros(b, l, e), ddr = Tensor.zeros(b, l, e), dz = Tensor.zeros(b, l, e);
        Tensor dBias = Tensor.zeros(e), dALog = Tensor.zeros(e, n), dD = Tensor.zeros(e);
        Tensor dBm = Tensor.zeros(b, l, n), dCm = Tensor.zeros(b, l, n);
        System.out.printf("B=%d L=%d E=%d N=%d%n", b, l, e, n);
        time("scan forward", reps, () -> ops.scan().selectiveScanForward(u, dr, bias, aLog, bm, cm, d, z, true, y, out));
        time("scan backward", reps, () -> ops.scan().selectiveScanBackward(u, dr, bias, aLog, bm, cm, d, z, true, dOut, null,
                du, ddr, dBias, dALog, dBm, dCm, dD, dz));
        time("silu forward", reps, () -> ops.elementwise().siluForward(u, y));
        time("silu backward", reps, () -> ops.elementwise().siluBackward(u, dOut, du));
        Tensor w = random(10, 0.5f, e, 4);
        time("conv1d forward", reps, () -> ops.conv().depthwiseConv1dForward(u, w, bias, true, y));
        Tensor dw = Tensor.zeros(e, 4);
        time("conv1d backward", reps, () -> ops.conv().depthwiseConv1dBackward(u, w, true, dOut, du, dw, dBias));
    }
}
