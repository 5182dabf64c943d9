package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;

/** A pointwise activation without parameters: SiLU, exact GELU or softplus (threshold 20). */
public final class Activation {
    public enum Kind { SILU, GELU, SOFTPLUS }

    private final Ops ops;
    private final Kind kind;

    public Activation(Ops ops, Kind kind) {
        if (kind == null) throw new IllegalArgumentException("activation kind must not be null");
        this.ops = ops;
        this.kind = kind;
    }

    public Kind kind() { return kind; }

    /** y = f(x), a new tensor of the shape of x. */
    public Tensor forward(Tensor x) {
        Tensor y = Tensor.zeros(x.shape());
        switch (kind) {
            case SILU -> ops.elementwise().siluForward(x, y);
            case GELU -> ops.elementwise().geluForward(x, y);
            case SOFTPLUS -> ops.elementwise().softplusForward(x, y);
        }
        return y;
    }

    /** Accumulates dx += dy · f'(x). */
    public void backward(Tensor x, Tensor dy, Tensor dx) {
        switch (kind) {
            case SILU -> ops.elementwise().siluBackward(x, dy, dx);
            case GELU -> ops.elementwise().geluBackward(x, dy, dx);
            case SOFTPLUS -> ops.elementwise().softplusBackward(x, dy, dx);
        }
    }
}
