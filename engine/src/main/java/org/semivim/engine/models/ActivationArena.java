package org.semivim.engine.models;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The activation buffers of one model, reused from one forward pass to the next. A forward pass
 * takes its saved [B,L,E] and [B,L,D] arrays here through its {@link Activations}; when the caller
 * is done with the pass ({@link ImageClassifier#release}) they come back and the next forward takes
 * them again instead of new arrays. New arrays cost the JVM a zero fill on the allocating thread and
 * a garbage collection every few steps (~200 MB per vim-fmnist-small step at batch 64).
 *
 * <p>Memory: between passes the arena holds what was released, i.e. one pass's activations per
 * batch size in use (the free lists are keyed by length), on top of the passes in flight. So only
 * passes whose size recurs should be released (the training step's; the trainer's shard step does,
 * once per loss term); eval passes (teacher inference, evaluation) are not released and leave
 * nothing behind, as before.
 *
 * <p>Thread-safe: several forward passes of one model may run at once (each holds its own buffers;
 * the free lists are guarded by this object's lock). Nothing here is ever handed out twice: a
 * buffer is either on a free list or held by exactly one unreleased pass.
 *
 * <p>{@code poison} (tests only) fills every buffer given back with NaN, so any read of a reused
 * buffer's old contents shows in the results.
 */
final class ActivationArena {
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>(); // by length
    private volatile boolean poison;

    /** A free buffer of exactly n floats with arbitrary contents, or null when none is free. */
    synchronized float[] poll(int n) {
        ArrayDeque<float[]> q = free.get(n);
        return q == null ? null : q.poll();
    }

    /** Takes the buffers back (they must no longer be referenced by their pass). */
    void giveBack(List<float[]> buffers) {
        if (poison) for (float[] b : buffers) Arrays.fill(b, Float.NaN);
        synchronized (this) {
            for (float[] b : buffers) free.computeIfAbsent(b.length, k -> new ArrayDeque<>()).push(b);
        }
    }

    /** Tests: from now on, buffers given back are filled with NaN. */
    void poisonReleasedBuffers() {
        poison = true;
    }

    /** Floats held on the free lists (for tests). */
    synchronized long freeFloats() {
        long n = 0;
        for (ArrayDeque<float[]> q : free.values()) for (float[] b : q) n += b.length;
        return n;
    }
}
