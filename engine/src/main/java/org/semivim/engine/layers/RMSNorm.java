package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * RMSNorm over the last dimension: y = x · (mean(x²) + eps)^-½ · w (mamba_ssm RMSNorm, weight
 * only, vim-spec.md §3 and §10.4). Parameter {@code <prefix>.weight} [D]; ViM uses eps = 1e-5.
 */
public final class RMSNorm {
    /** The forward result: y [..., D] and the per-row rstd [rows] that the backward needs. */
    public record Output(Tensor y, Tensor rstd) {}

    private final Ops ops;
    private final Parameter weight;
    private final int dim;
    private final float eps;

    public RMSNorm(Ops ops, ParameterSet.Builder params, String prefix, int dim, float eps) {
        if (dim < 1) throw new IllegalArgumentException("RMSNorm " + prefix + ": dim must be positive, got " + dim);
        if (!(eps > 0)) throw new IllegalArgumentException("RMSNorm " + prefix + ": eps must be positive, got " + eps);
        this.ops = ops;
        this.dim = dim;
        this.eps = eps;
        this.weight = params.declare(prefix + ".weight", dim);
    }

    public Parameter weight() { return weight; }
    public int dim() { return dim; }
    public float eps() { return eps; }

    /** torch's initial value: weight = 1 (vim-spec.md §8). Call after the parameter set is built. */
    public void initialize() {
        weight.value().fill(1f);
    }

    /** x [..., D] → y with the same shape, and rstd [rows] with rows = x.size / D. */
    public Output forward(Tensor x) {
        checkLast(x, "input");
        return forward(x, Tensor.zeros(x.shape()), Tensor.zeros(x.size / dim));
    }

    /** As {@link #forward(Tensor)}, into the caller's y (shape of x) and rstd [rows], both overwritten. */
    public Output forward(Tensor x, Tensor y, Tensor rstd) {
        checkLast(x, "input");
        ops.norm().rmsNormForward(x, weight.value(), eps, y, rstd);
        return new Output(y, rstd);
    }

    /** Accumulates dw and, when dx is not null, dx [..., D], from dy and what the forward returned. */
    public void backward(Tensor x, Output saved, Tensor dy, Tensor dx) {
        checkLast(dy, "output gradient");
        Tensor gradIn = dx != null ? dx : Tensor.zeros(x.shape()); // the op always writes dx
        ops.norm().rmsNormBackward(x, weight.value(), saved.rstd(), dy, gradIn, weight.grad());
    }

    private void checkLast(Tensor t, String what) {
        if (t.rank() < 1 || t.dim(-1) != dim) {
            throw new IllegalArgumentException("RMSNorm " + what + " " + t + " must have last dimension " + dim);
        }
    }
}
