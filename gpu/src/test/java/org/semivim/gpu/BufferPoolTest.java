package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {

    @Test
    void sizeClassesArePowersOfTwoAboveAMinimum() {
        assertEquals(256, BufferPool.sizeClass(0));
        assertEquals(256, BufferPool.sizeClass(256));
        assertEquals(512, BufferPool.sizeClass(257));
        assertEquals(1L << 30, BufferPool.sizeClass((1L << 29) + 1));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.sizeClass(-1));
    }

    /** The buffer requests of one made-up training step: several ops, each releasing at its end. */
    private static void step(BufferPool<float[]> pool) {
        long[][] ops = {{4000, 4000, 100}, {4000, 9000}, {100, 100, 100, 65536}, {9000, 4000, 4000}};
        for (long[] op : ops) {
            for (long bytes : op) {
                BufferPool.Lease<float[]> l = pool.acquire(bytes);
                assertTrue(4L * l.buffer().length >= bytes);
            }
            pool.releaseAll();
        }
    }

    @Test
    void aSteadyStateStepAllocatesNothing() {
        HostMemory mem = new HostMemory();
        BufferPool<float[]> pool = new BufferPool<>(mem);
        step(pool);
        long afterFirst = pool.allocations();
        assertEquals(7, afterFirst, "largest simultaneous use per size class: 2×4 KiB, 3×256 B, 16 KiB, 64 KiB");
        for (int i = 0; i < 5; i++) step(pool);
        assertEquals(afterFirst, pool.allocations(), "later steps reuse the pooled buffers");
        assertEquals(afterFirst, mem.allocations);
    }

    @Test
    void buffersHeldAtTheSameTimeAreDistinct() {
        BufferPool<float[]> pool = new BufferPool<>(new HostMemory());
        float[] a = pool.acquire(1000).buffer(), b = pool.acquire(1000).buffer();
        assertNotSame(a, b);
        assertEquals(2, pool.inUseCount());
        pool.releaseAll();
        assertEquals(0, pool.inUseCount());
    }

    @Test
    void freeAllReturnsEveryAllocation() {
        HostMemory mem = new HostMemory();
        BufferPool<float[]> pool = new BufferPool<>(mem);
        step(pool);
        pool.acquire(12345);
        pool.freeAll();
        assertEquals(0, mem.live.size());
        assertEquals(mem.allocations, mem.frees);
    }
}
