package org.semivim.engine.param;

import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * One named parameter: a view of its {@link ParameterSet}'s flat value and gradient storage.
 * The name is the hustvl/Vim (or timm) state-dict key, e.g. {@code layers.0.mixer.A_log}.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final boolean weightDecay;
    private Tensor value;
    private Tensor grad;
    private int offset = -1;

    Parameter(String name, int[] shape, boolean weightDecay) {
        this.name = name;
        this.shape = shape.clone();
        this.weightDecay = weightDecay;
    }

    void bind(float[] values, float[] grads, int offset) {
        this.offset = offset;
        this.value = Tensor.view(values, offset, shape);
        this.grad = Tensor.view(grads, offset, shape);
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return value().size;
    }

    /** Where this parameter starts in the set's flat storage. */
    public int offset() {
        requireBound();
        return offset;
    }

    /** Whether AdamW applies decoupled weight decay to it (timm rule, vim-spec.md §8). */
    public boolean weightDecay() {
        return weightDecay;
    }

    public Tensor value() {
        requireBound();
        return value;
    }

    public Tensor grad() {
        requireBound();
        return grad;
    }

    private void requireBound() {
        if (value == null) throw new IllegalStateException("parameter " + name + " is declared but its ParameterSet is not built yet");
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
