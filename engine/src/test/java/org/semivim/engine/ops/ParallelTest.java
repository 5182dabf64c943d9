package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Parallel#forEach}: every task once, the caller working beside its helpers, nesting inline, failures rethrown. */
class ParallelTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    @Test
    void runsEveryTaskExactlyOnceForAnyThreadCount() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            assertEquals(threads, Parallel.threads());
            for (int tasks : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(tasks, 1));
                Parallel.forEach(tasks, i -> runs.incrementAndGet(i));
                for (int i = 0; i < tasks; i++) assertEquals(1, runs.get(i), "task " + i + " of " + tasks + " with " + threads + " threads");
            }
        }
    }

    @Test
    void twoTasksRunAtTheSameTimeOnTwoThreads() throws Exception {
        Parallel.setThreads(2);
        for (int round = 0; round < 20; round++) {
            CountDownLatch bothStarted = new CountDownLatch(2);
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            boolean[] met = new boolean[2];
            Parallel.forEach(2, i -> {
                ran.add(Thread.currentThread());
                bothStarted.countDown();
                try {
                    met[i] = bothStarted.await(10, TimeUnit.SECONDS);  // only if the other task runs meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(met[0] && met[1], "the two tasks did not run concurrently");
            assertEquals(2, ran.size());
            assertTrue(ran.contains(Thread.currentThread()), "the calling thread runs tasks too");
        }
    }

    @Test
    void nestedCallsRunInlineOnTheTasksThread() {
        Parallel.setThreads(3);
        AtomicIntegerArray runs = new AtomicIntegerArray(8 * 5);
        Parallel.forEach(8, outer -> {
            Thread mine = Thread.currentThread();
            Parallel.forEach(5, inner -> {
                assertSame(mine, Thread.currentThread());
                runs.incrementAndGet(outer * 5 + inner);
            });
        });
        for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i));
    }

    @Test
    void aFailingTaskIsRethrownAfterTheOthersEndAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("task 13 failed");
        for (int round = 0; round < 10; round++) {
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forEach(40, i -> {
                if (i == 13) throw boom;
            }));
            assertSame(boom, thrown);
            AssertionError error = assertThrows(AssertionError.class, () -> Parallel.forEach(4, i -> {
                throw new AssertionError("error " + i);
            }));
            assertTrue(error.getMessage().startsWith("error "));
        }
        AtomicIntegerArray runs = new AtomicIntegerArray(100);
        Parallel.forEach(100, i -> runs.incrementAndGet(i));
        for (int i = 0; i < 100; i++) assertEquals(1, runs.get(i));
    }

    @Test
    void rejectsABadThreadCount() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
