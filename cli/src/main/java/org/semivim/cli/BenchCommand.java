package org.semivim.cli;

import org.semivim.engine.ops.CpuGemm;
import org.semivim.engine.ops.GemmOps;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Benchmarks (not tests): they print measured rates and their ratio to a stated peak. Results and
 * the commands that produced them are recorded in docs/benchmarks.md.
 */
@Command(name = "bench", description = "Run a benchmark and print rates and ratios.",
        subcommands = {BenchCommand.Gemm.class, TrainStepBench.class, AugmentRatioBench.class, GpuStepBenchCommand.class, ActorsBench.class,
                FmnistLtBench.class, ClusterBench.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("choose a benchmark: semivim bench gemm | train-step | augment-ratio | gpu-step | actors | fmnist-lt | semivim bench --help");
    }

    /** sgemm GFLOP/s for square matrices, best of several runs, against the CPU's fp32 peak. */
    @Command(name = "gemm", description = "sgemm GFLOP/s at the given square sizes and their fraction of the fp32 peak.")
    static final class Gemm implements Callable<Integer> {
        @Option(names = "--sizes", split = ",", defaultValue = "256,512,1024", description = "square sizes (default ${DEFAULT-VALUE})")
        int[] sizes;

        @Option(names = "--repeats", defaultValue = "7", description = "timed runs per size; the best is reported")
        int repeats;

        @Option(names = "--peak-gflops", defaultValue = "190",
                description = "fp32 peak to compare with; default: the measured 2-core FMA peak of the project machine (deps.md)")
        double peak;

        @Override
        public Integer call() {
            if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1");
            GemmOps gemm = new CpuGemm();
            System.out.printf("blas=%s threads=%d peak=%.1f GFLOP/s%n", new CpuGemm().implementation(), Parallel.threads(), peak);
            System.out.println("size  best_ms  GFLOP/s  fraction_of_peak");
            for (int n : sizes) {
                if (n < 1) throw new IllegalArgumentException("--sizes must be positive, got " + n);
                Tensor a = random(1, n, n), b = random(2, n, n), c = Tensor.zeros(n, n);
                for (int w = 0; w < 3; w++) gemm.gemm(false, false, 1f, a, b, 0f, c);
                long best = Long.MAX_VALUE;
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    gemm.gemm(false, false, 1f, a, b, 0f, c);
                    best = Math.min(best, System.nanoTime() - t0);
                }
                double gflops = 2.0 * n * n * (double) n / best;
                System.out.printf("%4d  %7.2f  %7.1f  %.2f%n", n, best / 1e6, gflops, gflops / peak);
            }
            return 0;
        }

        private static Tensor random(long seed, int... shape) {
            SplittableRandom r = new SplittableRandom(seed);
            Tensor t = Tensor.zeros(shape);
            for (int i = 0; i < t.size; i++) t.data[i] = (float) r.nextDouble(-1, 1);
            return t;
        }
    }
}
