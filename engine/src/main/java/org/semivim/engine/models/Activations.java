package org.semivim.engine.models;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Tensor;

/**
 * New zero tensors for the activations a forward pass saves (they outlive the call, so they cannot
 * come from the {@link Workspace}). The JVM zero-fills a new array on the thread that allocates it,
 * and for the [B,L,E] tensors of a ViM layer that fill is a large part of the forward's serial work;
 * allocating them as parallel tasks spreads it over the engine's threads. The result is the same as
 * {@code count} calls of {@link Tensor#zeros}.
 */
final class Activations {
    private Activations() {}

    /** {@code count} new zero tensors of the shape, allocated one per task. */
    static Tensor[] zeros(int count, int... shape) {
        Tensor[] out = new Tensor[count];
        Parallel.forEach(count, i -> out[i] = Tensor.zeros(shape));
        return out;
    }
}
