package org.semivim.engine.models;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Shapes;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable float buffers for the temporaries of the ViM forward and backward: tensors that never
 * leave the call that made them (a branch's pre-gate output, every gradient buffer of a mixer's
 * backward). Allocating them afresh costs more than the arithmetic on them (in a vim-fmnist-small
 * step at batch 64, ~60 of ~450 ms went to zero-filling new [B,L,E] arrays), while buffers that come
 * back every step stay in the cache.
 *
 * <p>One workspace per thread. A call notes {@link #mark()}, takes buffers, and gives everything
 * taken after its mark back with {@link #release(int)} in a finally block, so nested calls (mixer →
 * branch) share the workspace like a stack. {@link #zeros} zero-fills a buffer; {@link #scratch}
 * hands it out as it is, for outputs that an op overwrites completely. Results never depend on what
 * a reused buffer held. The buffers stay allocated for the thread's next call (the largest set of
 * temporaries in use at once, ~40 MB for vim-fmnist-small at batch 64).
 */
final class Workspace {
    /** Floats per task of a parallel zero fill. */
    private static final int FILL_CHUNK = 1 << 18;
    private static final ThreadLocal<Workspace> PER_THREAD = ThreadLocal.withInitial(Workspace::new);

    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>(); // by length
    private final ArrayList<float[]> taken = new ArrayList<>();

    private Workspace() {}

    static Workspace current() {
        return PER_THREAD.get();
    }

    /** The position to give back to with {@link #release(int)}. */
    int mark() {
        return taken.size();
    }

    /** A zero-filled temporary of the shape (large ones filled in parallel chunks: the fill is memory-bound). */
    Tensor zeros(int... shape) {
        Tensor t = scratch(shape);
        float[] data = t.data;
        Parallel.forEach(Parallel.chunks(data.length, FILL_CHUNK),
                c -> Arrays.fill(data, c * FILL_CHUNK, Math.min(data.length, (c + 1) * FILL_CHUNK), 0f));
        return t;
    }

    /** A temporary of the shape with arbitrary contents: only for outputs that are written in full before being read. */
    Tensor scratch(int... shape) {
        int n = Shapes.numel(shape);
        ArrayDeque<float[]> q = free.get(n);
        float[] data = q == null || q.isEmpty() ? new float[n] : q.pop();
        taken.add(data);
        return Tensor.wrap(data, shape);
    }

    /** Gives back every buffer taken since {@code mark}. */
    void release(int mark) {
        while (taken.size() > mark) {
            float[] data = taken.remove(taken.size() - 1);
            free.computeIfAbsent(data.length, k -> new ArrayDeque<>()).push(data);
        }
    }
}
