package org.semivim.engine.bench;

import org.semivim.engine.ops.CpuGemm;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Wall time of {@link CpuGemm} on the matrix-product shapes of a vim-fmnist-small training step at
 * batch 64 (not a test: run its main by hand, see docs/benchmarks-engine.md, sixth round). For each
 * shape "tA tB m×n×k" (C [m,n] = op(A)·op(B)): the median over 9 rounds of the mean of 20 calls,
 * after 30 warm-up calls, on hot operands. Argument: the engine thread count (default 2).
 */
public final class GemmShapesBench {
    private GemmShapesBench() {}

    /** {transA, transB, m, n, k}: in_proj, out_proj, x_proj and dt_proj forward, input and weight gradients. */
    private static final int[][] SHAPES = {
        {0, 1, 3200, 256, 128}, {0, 1, 3200, 128, 256}, {0, 0, 3200, 128, 256}, {0, 0, 3200, 256, 128},
        {1, 0, 256, 128, 3200}, {1, 0, 128, 256, 3200}, {0, 0, 3200, 256, 40}, {0, 1, 3200, 40, 256},
        {1, 0, 40, 256, 3200}, {0, 0, 3200, 8, 256}, {0, 1, 3200, 256, 8}, {1, 0, 256, 8, 3200}};

    private static double medianMs(Runnable call) {
        for (int i = 0; i < 30; i++) call.run();
        double[] rounds = new double[9];
        for (int r = 0; r < rounds.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) call.run();
            rounds[r] = (System.nanoTime() - t0) / 1e6 / 20;
        }
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    public static void main(String[] args) {
        Parallel.setThreads(args.length > 0 ? Integer.parseInt(args[0]) : 2);
        SplittableRandom rnd = new SplittableRandom(1);
        CpuGemm gemm = new CpuGemm();
        for (int[] s : SHAPES) {
            boolean ta = s[0] == 1, tb = s[1] == 1;
            int m = s[2], n = s[3], k = s[4];
            Tensor a = ta ? Tensor.zeros(k, m) : Tensor.zeros(m, k);
            Tensor b = tb ? Tensor.zeros(n, k) : Tensor.zeros(k, n);
            Tensor c = Tensor.zeros(m, n);
            for (int i = 0; i < a.size; i++) a.data[i] = (float) rnd.nextDouble(-0.5, 0.5);
            for (int i = 0; i < b.size; i++) b.data[i] = (float) rnd.nextDouble(-0.5, 0.5);
            double ms = medianMs(() -> gemm.gemm(ta, tb, 1f, a, b, 0f, c));
            System.out.printf("%s%s %dx%dx%d: %.3f ms %.0f GFLOP/s%n", ta ? "T" : "N", tb ? "T" : "N", m, n, k, ms,
                    2.0 * m * n * k / ms / 1e6);
        }
    }
}
