package org.semivim.engine.ops;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The engine's thread pool. Work is always split into tasks whose boundaries depend only on the
 * problem size (never on the thread count), every task writes disjoint outputs, and partial sums
 * are combined in task order by the caller. So results are bit-identical for any thread count
 * (ARCHITECTURE.md: thread partitioning that does not depend on the machine).
 *
 * <p>The thread count comes from the system property {@code semivim.threads} (default: available
 * processors) and can be changed with {@link #setThreads(int)}.
 */
public final class Parallel {
    private static final AtomicReference<ForkJoinPool> POOL = new AtomicReference<>(newPool(defaultThreads()));

    private Parallel() {}

    private static int defaultThreads() {
        String p = System.getProperty("semivim.threads");
        if (p != null) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("system property semivim.threads must be a positive integer, got '" + p + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(threads, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("semivim-compute-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /** Number of threads the engine uses now. */
    public static int threads() {
        return POOL.get().getParallelism();
    }

    /** Replaces the pool by one of {@code n} threads. Results do not depend on {@code n}. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + n);
        if (n == threads()) return;
        ForkJoinPool old = POOL.getAndSet(newPool(n));
        old.shutdown();
    }

    /**
     * Runs {@code task.accept(i)} for i in [0, tasks). Runs inline when there is one task or one
     * thread, or when already on a pool thread (nested parallelism stays sequential).
     */
    public static void forEach(int tasks, IntConsumer task) {
        if (tasks <= 0) return;
        ForkJoinPool pool = POOL.get();
        if (tasks == 1 || pool.getParallelism() == 1 || Thread.currentThread().getName().startsWith("semivim-compute-")) {
            for (int i = 0; i < tasks; i++) task.accept(i);
            return;
        }
        try {
            pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(task)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    /** Number of fixed-size chunks of {@code chunk} items that cover {@code n} items. */
    public static int chunks(int n, int chunk) {
        return (n + chunk - 1) / chunk;
    }
}
