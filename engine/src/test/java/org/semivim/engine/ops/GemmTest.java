package org.semivim.engine.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class GemmTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static Tensor random(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) r.nextDouble(-1, 1);
        return t;
    }

    /** The fast GEMM against the plain triple loop, all four transpose cases, odd sizes, alpha and beta. */
    @Test
    void cpuGemmMatchesReference() {
        GemmOps fast = new CpuGemm(), ref = new ReferenceGemm();
        int[][] sizes = {{1, 1, 1}, {7, 5, 3}, {37, 29, 41}, {300, 70, 130}, {3, 1000, 2}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int ta = 0; ta < 2; ta++) {
                for (int tb = 0; tb < 2; tb++) {
                    boolean transA = ta == 1, transB = tb == 1;
                    Tensor a = transA ? random(1, k, m) : random(1, m, k);
                    Tensor b = transB ? random(2, n, k) : random(2, k, n);
                    Tensor c1 = random(3, m, n), c2 = c1.copy();
                    fast.gemm(transA, transB, 0.7f, a, b, 0.3f, c1);
                    ref.gemm(transA, transB, 0.7f, a, b, 0.3f, c2);
                    // float32 accumulation of k terms of magnitude <= 1: error grows like k·2^-24;
                    // 1e-5·k is a generous bound that still catches any indexing error (O(1) differences).
                    double tol = 1e-5 * Math.max(1, k);
                    for (int i = 0; i < c1.size; i++) {
                        assertEquals(c2.data[i], c1.data[i], tol, "m,n,k=" + m + "," + n + "," + k + " trans " + transA + transB + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void betaZeroIgnoresGarbageInC() {
        Tensor a = random(1, 4, 3), b = random(2, 3, 5);
        Tensor c = Tensor.zeros(4, 5);
        c.fill(Float.NaN);
        new CpuGemm().gemm(false, false, 1f, a, b, 0f, c);
        for (int i = 0; i < c.size; i++) assertFalse(Float.isNaN(c.data[i]));
    }

    @Test
    void batchedMatchesLoopOfSingles() {
        int count = 5, m = 9, n = 11, k = 13;
        Tensor a = random(1, count, k, m), b = random(2, count, n, k), c = Tensor.zeros(count, m, n);
        new CpuGemm().gemmBatched(count, true, true, m, n, k, 1f, a, b, 0f, c);
        for (int i = 0; i < count; i++) {
            Tensor ci = Tensor.zeros(m, n);
            new ReferenceGemm().gemm(true, true, 1f, a.slice0(i), b.slice0(i), 0f, ci);
            for (int j = 0; j < ci.size; j++) assertEquals(ci.data[j], c.slice0(i).get(j), 1e-4);
        }
    }

    /** Determinism contract: the number of threads never changes a bit of the result. */
    @Test
    void resultDoesNotDependOnThreadCount() {
        Tensor a = random(1, 513, 257), b = random(2, 129, 257);
        Tensor c1 = Tensor.zeros(513, 129), c3 = Tensor.zeros(513, 129);
        Parallel.setThreads(1);
        new CpuGemm().gemm(false, true, 1f, a, b, 0f, c1);
        Parallel.setThreads(3);
        new CpuGemm().gemm(false, true, 1f, a, b, 0f, c3);
        assertArrayEquals(c1.data, c3.data);
    }

    /**
     * Few rows of C and a long K (weight-gradient shapes) take the K-split path: chunk products in
     * separate buffers, added in chunk order. All transpose cases, β ≠ 0 and β = 0 over NaN garbage,
     * against the reference (same k·1e-5 bound as above), and bit-identical for 1 and 3 threads.
     */
    @Test
    void splitKMatchesReferenceAndIsThreadIndependent() {
        GemmOps fast = new CpuGemm(), ref = new ReferenceGemm();
        int[][] sizes = {{16, 256, 3200}, {40, 70, 2001}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int ta = 0; ta < 2; ta++) {
                for (int tb = 0; tb < 2; tb++) {
                    boolean transA = ta == 1, transB = tb == 1;
                    Tensor a = transA ? random(4, k, m) : random(4, m, k);
                    Tensor b = transB ? random(5, n, k) : random(5, k, n);
                    for (float beta : new float[] {0.3f, 0f}) {
                        Tensor c1 = random(6, m, n), c2 = c1.copy();
                        if (beta == 0f) c1.fill(Float.NaN);
                        fast.gemm(transA, transB, 0.7f, a, b, beta, c1);
                        ref.gemm(transA, transB, 0.7f, a, b, beta, c2);
                        for (int i = 0; i < c1.size; i++) {
                            assertEquals(c2.data[i], c1.data[i], 1e-5 * k, "split-K m,n,k=" + m + "," + n + "," + k
                                    + " trans " + transA + transB + " beta " + beta + " at " + i);
                        }
                    }
                }
            }
        }
        Tensor a = random(7, 3000, 24), b = random(8, 3000, 100);
        Tensor c1 = random(9, 24, 100), c3 = c1.copy();
        Parallel.setThreads(1);
        fast.gemm(true, false, 1f, a, b, 1f, c1);
        Parallel.setThreads(3);
        fast.gemm(true, false, 1f, a, b, 1f, c3);
        assertArrayEquals(c1.data, c3.data);
    }

    /**
     * The split-K chunk buffers a thread keeps between products: a product computed after larger
     * and smaller split-K products on the same threads (buffers holding their leftovers) has the bits
     * of the same product on a fresh thread, whose buffers are new.
     */
    @Test
    void reusedSplitKBuffersGiveTheBitsOfFreshOnes() throws Exception {
        Parallel.setThreads(2);
        GemmOps fast = new CpuGemm();
        Tensor a = random(10, 3200, 40), b = random(11, 3200, 256);
        Tensor fresh = Tensor.zeros(40, 256);
        Thread t = new Thread(() -> fast.gemm(true, false, 0.5f, a, b, 0f, fresh));  // a new thread: new buffers
        t.start();
        t.join();
        Tensor big = Tensor.zeros(64, 300), small = Tensor.zeros(8, 300);   // both split K
        fast.gemm(true, false, 1f, random(12, 2048, 64), random(13, 2048, 300), 0f, big);
        Tensor again = Tensor.zeros(40, 256);
        again.fill(Float.NaN);
        fast.gemm(true, false, 0.5f, a, b, 0f, again);
        assertArrayEquals(fresh.data, again.data);
        fast.gemm(true, false, 1f, random(14, 4096, 8), random(15, 4096, 300), 0f, small);
        again.fill(Float.NaN);
        fast.gemm(true, false, 0.5f, a, b, 0f, again);
        assertArrayEquals(fresh.data, again.data);
    }

    @Test
    void mismatchedShapesAreRejectedWithTheShapes() {
        Tensor a = Tensor.zeros(4, 3), b = Tensor.zeros(4, 5), c = Tensor.zeros(4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CpuGemm().gemm(false, false, 1f, a, b, 0f, c));
        assertTrue(e.getMessage().contains("inner dimensions"), e.getMessage());
        Tensor wrongC = Tensor.zeros(3, 3);
        e = assertThrows(IllegalArgumentException.class, () -> new CpuGemm().gemm(false, true, 1f, a, a, 0f, wrongC));
        assertTrue(e.getMessage().contains("[4,4]"), e.getMessage());
    }
}
