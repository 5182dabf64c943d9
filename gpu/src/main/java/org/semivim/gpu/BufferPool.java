package org.semivim.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Device buffers reused across op calls and training steps, so that a step allocates no device
 * memory once every size it needs has been seen (the first step). Sizes are rounded up to a size
 * class (a power of two, at least {@value #MIN_BYTES} bytes); an op {@link #acquire}s buffers and
 * gives them all back with {@link #releaseAll} when it returns. Not thread safe: the backend
 * serialises its op calls.
 */
public final class BufferPool<B> {
    static final long MIN_BYTES = 256;

    /** A pooled buffer and the size class it belongs to. */
    public record Lease<B>(B buffer, long capacityBytes) {}

    private final DeviceMemory<B> memory;
    private final Map<Long, ArrayDeque<B>> free = new HashMap<>();
    private final List<Lease<B>> inUse = new ArrayList<>();
    private long allocations;
    private long allocatedBytes;

    public BufferPool(DeviceMemory<B> memory) {
        this.memory = memory;
    }

    /** The size class of a request: the next power of two ≥ max(bytes, MIN_BYTES). */
    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative buffer size " + bytes);
        long c = Math.max(MIN_BYTES, bytes);
        return Long.bitCount(c) == 1 ? c : Long.highestOneBit(c) << 1;
    }

    /** A buffer of at least {@code bytes} bytes, held until {@link #releaseAll}. */
    public Lease<B> acquire(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<B> q = free.get(cls);
        B buffer = q == null ? null : q.pollFirst();
        if (buffer == null) {
            buffer = memory.allocate(cls);
            allocations++;
            allocatedBytes += cls;
        }
        Lease<B> lease = new Lease<>(buffer, cls);
        inUse.add(lease);
        return lease;
    }

    /** Gives every acquired buffer back to the pool (kept allocated for the next call). */
    public void releaseAll() {
        for (Lease<B> l : inUse) free.computeIfAbsent(l.capacityBytes(), k -> new ArrayDeque<>()).addLast(l.buffer());
        inUse.clear();
    }

    /** Frees every pooled buffer; buffers still acquired are freed too. */
    public void freeAll() {
        releaseAll();
        for (ArrayDeque<B> q : free.values()) for (B b : q) memory.free(b);
        free.clear();
        allocatedBytes = 0;
    }

    /** Device allocations made so far (a steady-state step adds none). */
    public long allocations() {
        return allocations;
    }

    public long allocatedBytes() {
        return allocatedBytes;
    }

    public int inUseCount() {
        return inUse.size();
    }
}
