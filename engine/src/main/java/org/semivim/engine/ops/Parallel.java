package org.semivim.engine.ops;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The engine's thread pool. Work is always split into tasks whose boundaries depend only on the
 * problem size (never on the thread count), every task writes disjoint outputs, and partial sums
 * are combined in task order by the caller. So results are bit-identical for any thread count
 * (ARCHITECTURE.md: thread partitioning that does not depend on the machine).
 *
 * <p>The calling thread works too: {@link #forEach} hands tasks out from a shared counter to the
 * caller and to up to threads − 1 helper threads of the pool, and returns when every task is done.
 * A helper that wakes up after the caller has taken the last task finds nothing and leaves: nobody
 * waits for a thread to wake up, and short calls cost little more than running their tasks
 * (with a pool of all the threads and a waiting caller, each call had cost the caller ~40 µs of
 * hand-off and the machine a third thread; docs/benchmarks-engine.md, fourth round). Which thread
 * runs a task never changes a result (tasks are independent; per-thread scratch is rewritten
 * before it is read).
 *
 * <p>The thread count comes from the system property {@code semivim.threads} (default: available
 * processors) and can be changed with {@link #setThreads(int)}.
 */
public final class Parallel {
    /** The helpers: threads − 1 pool threads (null for one thread). */
    private static final AtomicReference<ForkJoinPool> HELPERS = new AtomicReference<>();
    private static volatile int threads;
    /** True on a thread while it runs tasks: a nested forEach then runs inline (sequentially). */
    private static final ThreadLocal<boolean[]> IN_TASK = ThreadLocal.withInitial(() -> new boolean[1]);
    /** How long a waiting caller spins before it parks, in nanoseconds (the other tasks are usually about to end). */
    private static final long SPIN_NANOS = 20_000;

    static {
        configure(defaultThreads());
    }

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

    private static ForkJoinPool newPool(int helpers) {
        return new ForkJoinPool(helpers, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("semivim-compute-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    private static void configure(int n) {
        ForkJoinPool old = HELPERS.getAndSet(n > 1 ? newPool(n - 1) : null);
        threads = n;
        if (old != null) old.shutdown();
    }

    /** Number of threads the engine uses now (the caller and its helpers). */
    public static int threads() {
        return threads;
    }

    /** Uses {@code n} threads from now on (the caller and n − 1 helpers). Results do not depend on {@code n}. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + n);
        if (n == threads) return;
        configure(n);
    }

    /**
     * Runs {@code task.accept(i)} for i in [0, tasks), on the calling thread and the helpers. Runs
     * inline when there is one task or one thread, or when called from inside a task (nested
     * parallelism stays sequential). The first exception a task throws is rethrown once all tasks
     * have ended.
     */
    public static void forEach(int tasks, IntConsumer task) {
        if (tasks <= 0) return;
        boolean[] inTask = IN_TASK.get();
        ForkJoinPool pool = HELPERS.get();
        if (tasks == 1 || pool == null || inTask[0]) {
            for (int i = 0; i < tasks; i++) task.accept(i);
            return;
        }
        Call call = new Call(tasks, task, Thread.currentThread());
        int helpers = Math.min(pool.getParallelism(), tasks - 1);
        for (int h = 0; h < helpers; h++) pool.execute(call::help);
        inTask[0] = true;
        try {
            call.run();
        } finally {
            inTask[0] = false;
        }
        call.awaitAll();
    }

    /** One forEach call: the task counter, the count of finished tasks and the first failure. */
    private static final class Call {
        private final int tasks;
        private final IntConsumer task;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Call(int tasks, IntConsumer task, Thread caller) {
            this.tasks = tasks;
            this.task = task;
            this.caller = caller;
        }

        /** Takes and runs tasks until none is left. */
        void run() {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) task.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (finished.incrementAndGet() == tasks) LockSupport.unpark(caller);
                }
            }
        }

        /** A helper's share: like {@link #run}, marked as inside a task. */
        void help() {
            boolean[] inTask = IN_TASK.get();
            inTask[0] = true;
            try {
                run();
            } finally {
                inTask[0] = false;
            }
        }

        /** Waits (on the caller) until every task has finished, then rethrows the first failure. */
        void awaitAll() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            boolean interrupted = false;
            while (finished.get() < tasks) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else {
                    LockSupport.park(this);
                    if (Thread.interrupted()) interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error err) throw err;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    /** Number of fixed-size chunks of {@code chunk} items that cover {@code n} items. */
    public static int chunks(int n, int chunk) {
        return (n + chunk - 1) / chunk;
    }
}
