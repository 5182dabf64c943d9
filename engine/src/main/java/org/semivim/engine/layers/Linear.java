package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * y = x · Wᵀ + b. Parameters {@code <prefix>.weight} [out,in] and, if requested,
 * {@code <prefix>.bias} [out] (torch {@code nn.Linear} names and layout).
 */
public final class Linear {
    private final Ops ops;
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    public Linear(Ops ops, ParameterSet.Builder params, String prefix, int in, int out, boolean withBias) {
        this.ops = ops;
        this.in = in;
        this.out = out;
        this.weight = params.declare(prefix + ".weight", out, in);
        this.bias = withBias ? params.declare(prefix + ".bias", out) : null;
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }
    public int inFeatures() { return in; }
    public int outFeatures() { return out; }

    /** x [R,in] (any leading dims) → y [R,out] with the same leading dims. */
    public Tensor forward(Tensor x) {
        checkLast(x, in, "input");
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        return forward(x, Tensor.zeros(shape));
    }

    /** As {@link #forward(Tensor)}, into the caller's y [R,out] (overwritten). Returns y. */
    public Tensor forward(Tensor x, Tensor y) {
        checkLast(x, in, "input");
        checkLast(y, out, "output");
        if (y.size / out != x.size / in) throw new IllegalArgumentException("Linear output " + y + " has not the rows of input " + x);
        ops.gemm().gemm(false, true, 1f, x, weight.value(), 0f, y);
        if (bias != null) {
            float[] b = bias.value().data;
            int bo = bias.value().offset;
            int rows = y.size / out;
            for (int r = 0; r < rows; r++) {
                int base = y.offset + r * out;
                for (int j = 0; j < out; j++) y.data[base + j] += b[bo + j];
            }
        }
        return y;
    }

    /** Accumulates dW += dyᵀ·x, db += Σ dy, and dx += dy·W when dx is not null. */
    public void backward(Tensor x, Tensor dy, Tensor dx) {
        checkLast(dy, out, "output gradient");
        ops.gemm().gemm(true, false, 1f, dy, x, 1f, weight.grad());
        if (bias != null) {
            float[] db = bias.grad().data;
            int bo = bias.grad().offset;
            int rows = dy.size / out;
            for (int r = 0; r < rows; r++) {
                int base = dy.offset + r * out;
                for (int j = 0; j < out; j++) db[bo + j] += dy.data[base + j];
            }
        }
        if (dx != null) ops.gemm().gemm(false, false, 1f, dy, weight.value(), 1f, dx);
    }

    private static void checkLast(Tensor t, int expected, String what) {
        if (t.dim(-1) != expected) {
            throw new IllegalArgumentException("Linear " + what + " " + t + " must have last dimension " + expected);
        }
    }
}
