package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * LayerNorm over the last dimension: y = (x − mean) · (var + eps)^-½ · w + b with the biased
 * variance (torch nn.LayerNorm). Parameters {@code <prefix>.weight} [D] and {@code <prefix>.bias} [D].
 */
public final class LayerNorm {
    /** timm ViT's {@code partial(nn.LayerNorm, eps=1e-6)}. */
    public static final float DEFAULT_EPS = 1e-6f;

    /** The forward result: y [..., D] and the per-row mean and rstd [rows] that the backward needs. */
    public record Output(Tensor y, Tensor mean, Tensor rstd) {}

    private final Ops ops;
    private final Parameter weight;
    private final Parameter bias;
    private final int dim;
    private final float eps;

    public LayerNorm(Ops ops, ParameterSet.Builder params, String prefix, int dim) {
        this(ops, params, prefix, dim, DEFAULT_EPS);
    }

    public LayerNorm(Ops ops, ParameterSet.Builder params, String prefix, int dim, float eps) {
        if (dim < 1) throw new IllegalArgumentException("LayerNorm " + prefix + ": dim must be positive, got " + dim);
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm " + prefix + ": eps must be positive, got " + eps);
        this.ops = ops;
        this.dim = dim;
        this.eps = eps;
        this.weight = params.declare(prefix + ".weight", dim);
        this.bias = params.declare(prefix + ".bias", dim);
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }
    public int dim() { return dim; }
    public float eps() { return eps; }

    /** torch's initial values: weight = 1, bias = 0. Call after the parameter set is built. */
    public void initialize() {
        weight.value().fill(1f);
        bias.value().fill(0f);
    }

    /** x [..., D] → y with the same shape, and mean, rstd [rows] with rows = x.size / D. */
    public Output forward(Tensor x) {
        checkLast(x, "input");
        Tensor y = Tensor.zeros(x.shape());
        int rows = x.size / dim;
        Tensor mean = Tensor.zeros(rows);
        Tensor rstd = Tensor.zeros(rows);
        ops.norm().layerNormForward(x, weight.value(), bias.value(), eps, y, mean, rstd);
        return new Output(y, mean, rstd);
    }

    /** Accumulates dw, db and, when dx is not null, dx [..., D], from dy and what the forward returned. */
    public void backward(Tensor x, Output saved, Tensor dy, Tensor dx) {
        checkLast(dy, "output gradient");
        Tensor gradIn = dx != null ? dx : Tensor.zeros(x.shape()); // the op always writes dx
        ops.norm().layerNormBackward(x, weight.value(), saved.mean(), saved.rstd(), dy, gradIn, weight.grad(), bias.grad());
    }

    private void checkLast(Tensor t, String what) {
        if (t.rank() < 1 || t.dim(-1) != dim) {
            throw new IllegalArgumentException("LayerNorm " + what + " " + t + " must have last dimension " + dim);
        }
    }
}
