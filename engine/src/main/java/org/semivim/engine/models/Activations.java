package org.semivim.engine.models;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Shapes;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one forward pass gets the activations it saves for its backward (they outlive the call,
 * so they cannot come from the {@link Workspace}). Either {@link #fresh()}: new zero arrays every
 * time, or {@link ActivationArena#lease leased} from the model's arena: buffers of an earlier,
 * released pass, with arbitrary contents, handed back by {@link #release}. So every tensor taken
 * here must be written in full before it is read (an op's output with β = 0 or "out = …"
 * semantics, a copy that covers every element); never accumulate into one.
 *
 * <p>Buffers that are not free are allocated as parallel tasks: the JVM zero-fills a new array on
 * the thread that allocates it, and for the [B,L,E] tensors of a ViM layer that fill is a large part
 * of the forward's serial work.
 *
 * <p>One instance per forward pass, used by the thread that runs the pass (not thread-safe itself).
 */
final class Activations {
    private final ActivationArena arena;                  // null: fresh arrays, nothing to give back
    private final List<float[]> taken = new ArrayList<>();
    private boolean released;

    private Activations(ActivationArena arena) {
        this.arena = arena;
    }

    /** New zero arrays for every tensor (a pass that is never released). */
    static Activations fresh() {
        return new Activations(null);
    }

    /** Buffers from the arena, given back to it by {@link #release}. */
    static Activations leased(ActivationArena arena) {
        return new Activations(arena);
    }

    /**
     * {@code count} tensors of the shape for outputs written in full before being read: zeros when
     * new, the old contents of a released pass when reused.
     */
    Tensor[] outputs(int count, int... shape) {
        if (released) throw new IllegalStateException("the forward pass's activations were released");
        int n = Shapes.numel(shape);
        float[][] data = new float[count][];
        int missing = 0;
        for (int i = 0; i < count; i++) {
            data[i] = arena == null ? null : arena.poll(n);
            if (data[i] == null) missing++;
        }
        if (missing > 0) Parallel.forEach(count, i -> { if (data[i] == null) data[i] = new float[n]; });
        Tensor[] out = new Tensor[count];
        for (int i = 0; i < count; i++) {
            if (arena != null) taken.add(data[i]);
            out[i] = Tensor.wrap(data[i], shape);
        }
        return out;
    }

    /** One tensor as {@link #outputs}. */
    Tensor output(int... shape) {
        return outputs(1, shape)[0];
    }

    boolean released() {
        return released;
    }

    /** Gives every buffer taken back to the arena (nothing for {@link #fresh()}); the tensors must not be used afterwards. */
    void release() {
        if (released) throw new IllegalStateException("the forward pass was already released");
        released = true;
        if (arena != null) arena.giveBack(taken);
        taken.clear();
    }
}
