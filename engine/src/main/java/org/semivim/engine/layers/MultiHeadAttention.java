package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * timm {@code Attention}: qkv = Linear(D → 3D, bias), per-head softmax(q kᵀ/√dh)·v
 * ({@link org.semivim.engine.ops.AttentionOps}), proj = Linear(D → D, bias). Parameters
 * {@code <prefix>.qkv.weight} [3D,D], {@code <prefix>.qkv.bias} [3D], {@code <prefix>.proj.weight}
 * [D,D], {@code <prefix>.proj.bias} [D]. Attention and projection dropout are not modelled (timm's
 * defaults are 0 for ViT, MAE and Semi-ViT).
 */
public final class MultiHeadAttention {
    /** The forward result: y [B,L,D] and the qkv [B,L,3D], probs [B,H,L,L] and heads [B,L,D] the backward needs. */
    public record Output(Tensor y, Tensor qkv, Tensor probs, Tensor heads) {}

    private final Ops ops;
    private final Linear qkv;
    private final Linear proj;
    private final int dim;
    private final int numHeads;

    public MultiHeadAttention(Ops ops, ParameterSet.Builder params, String prefix, int dim, int numHeads) {
        if (dim < 1 || numHeads < 1 || dim % numHeads != 0) {
            throw new IllegalArgumentException("MultiHeadAttention " + prefix + ": dim " + dim + " must be a positive multiple of heads " + numHeads);
        }
        this.ops = ops;
        this.dim = dim;
        this.numHeads = numHeads;
        this.qkv = new Linear(ops, params, prefix + ".qkv", dim, 3 * dim, true);
        this.proj = new Linear(ops, params, prefix + ".proj", dim, dim, true);
    }

    public Linear qkv() { return qkv; }
    public Linear proj() { return proj; }
    public int numHeads() { return numHeads; }

    /** x [B,L,D] → y [B,L,D]. */
    public Output forward(Tensor x) {
        checkInput(x, "input");
        int b = x.dim(0), len = x.dim(1);
        Tensor qkvOut = qkv.forward(x);                        // [B,L,3D]
        Tensor probs = Tensor.zeros(b, numHeads, len, len);    // [B,H,L,L]
        Tensor heads = Tensor.zeros(b, len, dim);              // [B,L,D]
        ops.attention().attentionForward(qkvOut, numHeads, probs, heads);
        return new Output(proj.forward(heads), qkvOut, probs, heads);
    }

    /** Accumulates the parameter gradients and, when dx is not null, dx [B,L,D], from dy [B,L,D]. */
    public void backward(Tensor x, Output saved, Tensor dy, Tensor dx) {
        checkInput(x, "input");
        dy.requireShape("MultiHeadAttention output gradient", x.shape());
        Tensor dHeads = Tensor.zeros(x.shape());            // [B,L,D]
        proj.backward(saved.heads(), dy, dHeads);
        Tensor dQkv = Tensor.zeros(saved.qkv().shape());    // [B,L,3D]
        ops.attention().attentionBackward(saved.qkv(), numHeads, saved.probs(), dHeads, dQkv);
        qkv.backward(x, dQkv, dx);
    }

    private void checkInput(Tensor x, String what) {
        if (x.rank() != 3 || x.dim(2) != dim) {
            throw new IllegalArgumentException("MultiHeadAttention " + what + " must be [B,L," + dim + "], got " + x);
        }
    }
}
