package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * timm {@code Mlp}: fc1 = Linear(D → hidden, bias), exact GELU, fc2 = Linear(hidden → D, bias).
 * Parameters {@code <prefix>.fc1.weight} [hidden,D], {@code <prefix>.fc1.bias} [hidden],
 * {@code <prefix>.fc2.weight} [D,hidden], {@code <prefix>.fc2.bias} [D]. Dropout (timm default 0) is
 * not modelled.
 */
public final class Mlp {
    /** The forward result: y [..., D] and the fc1 output and GELU output [..., hidden] the backward needs. */
    public record Output(Tensor y, Tensor hidden, Tensor activated) {}

    private final Ops ops;
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(Ops ops, ParameterSet.Builder params, String prefix, int dim, int hidden) {
        if (dim < 1 || hidden < 1) throw new IllegalArgumentException("Mlp " + prefix + ": widths must be positive, got " + dim + ", " + hidden);
        this.ops = ops;
        this.fc1 = new Linear(ops, params, prefix + ".fc1", dim, hidden, true);
        this.fc2 = new Linear(ops, params, prefix + ".fc2", hidden, dim, true);
    }

    public Linear fc1() { return fc1; }
    public Linear fc2() { return fc2; }

    /** x [..., D] → y [..., D]. */
    public Output forward(Tensor x) {
        Tensor hidden = fc1.forward(x);                  // [..., hidden]
        Tensor activated = Tensor.zeros(hidden.shape()); // [..., hidden]
        ops.elementwise().geluForward(hidden, activated);
        return new Output(fc2.forward(activated), hidden, activated);
    }

    /** Accumulates the parameter gradients and, when dx is not null, dx [..., D], from dy [..., D]. */
    public void backward(Tensor x, Output saved, Tensor dy, Tensor dx) {
        Tensor dActivated = Tensor.zeros(saved.activated().shape());
        fc2.backward(saved.activated(), dy, dActivated);
        Tensor dHidden = Tensor.zeros(saved.hidden().shape());
        ops.elementwise().geluBackward(saved.hidden(), dActivated, dHidden);
        fc1.backward(x, dHidden, dx);
    }
}
