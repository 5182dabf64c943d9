package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * timm ViT {@code Block} (pre-norm): x1 = x + drop_path(attn(norm1(x))), y = x1 + drop_path(mlp(norm2(x1))).
 * Parameters under {@code <prefix>.norm1}, {@code .attn.qkv}, {@code .attn.proj}, {@code .norm2},
 * {@code .mlp.fc1}, {@code .mlp.fc2}. In training, the attention branch of sample b is kept by the
 * draw at counter b of the block's generator and the MLP branch by the draw at counter B + b.
 */
public final class TransformerBlock {
    /** Everything the backward needs (masks are null when drop-path was the identity). */
    public record Output(Tensor y, Tensor x, LayerNorm.Output norm1, MultiHeadAttention.Output attn, DropPath.Mask attnMask,
                         Tensor x1, LayerNorm.Output norm2, Mlp.Output mlp, DropPath.Mask mlpMask) {}

    private final LayerNorm norm1;
    private final MultiHeadAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath;
    private final int dim;

    public TransformerBlock(Ops ops, ParameterSet.Builder params, String prefix, int dim, int heads, int mlpHidden,
                            float normEps, double dropPathRate) {
        this.dim = dim;
        this.norm1 = new LayerNorm(ops, params, prefix + ".norm1", dim, normEps);
        this.attn = new MultiHeadAttention(ops, params, prefix + ".attn", dim, heads);
        this.norm2 = new LayerNorm(ops, params, prefix + ".norm2", dim, normEps);
        this.mlp = new Mlp(ops, params, prefix + ".mlp", dim, mlpHidden);
        this.dropPath = new DropPath(dropPathRate);
    }

    public double dropPathRate() { return dropPath.rate(); }

    /** x [B,T,D] → y [B,T,D]. {@code rng} is this block's drop-mask generator (unused, may be null, in evaluation). */
    public Output forward(Tensor x, boolean training, CounterRng rng) {
        if (x.rank() != 3 || x.dim(2) != dim) throw new IllegalArgumentException("TransformerBlock input must be [B,T," + dim + "], got " + x);
        int batch = x.dim(0);
        LayerNorm.Output n1 = norm1.forward(x);
        MultiHeadAttention.Output a = attn.forward(n1.y());
        DropPath.Output d1 = dropPath.forward(a.y(), training, rng, 0);
        Tensor x1 = sum(x, d1.y());
        LayerNorm.Output n2 = norm2.forward(x1);
        Mlp.Output m = mlp.forward(n2.y());
        DropPath.Output d2 = dropPath.forward(m.y(), training, rng, batch);
        return new Output(sum(x1, d2.y()), x, n1, a, d1.mask(), x1, n2, m, d2.mask());
    }

    /** Accumulates the parameter gradients and dx [B,T,D] (not null) from dy [B,T,D]. */
    public void backward(Output saved, Tensor dy, Tensor dx) {
        dy.requireShape("TransformerBlock output gradient", saved.y().shape());
        dx.requireShape("TransformerBlock input gradient", saved.x().shape());
        Tensor dx1 = dy.copy();                               // [B,T,D] the residual path
        Tensor dMlp = Tensor.zeros(dy.shape());
        dropPath.backward(saved.mlpMask(), dy, dMlp);
        Tensor dn2 = Tensor.zeros(dy.shape());
        mlp.backward(saved.norm2().y(), saved.mlp(), dMlp, dn2);
        norm2.backward(saved.x1(), saved.norm2(), dn2, dx1);

        Tensor dAttn = Tensor.zeros(dy.shape());
        dropPath.backward(saved.attnMask(), dx1, dAttn);
        Tensor dn1 = Tensor.zeros(dy.shape());
        attn.backward(saved.norm1().y(), saved.attn(), dAttn, dn1);
        addInto(dx, dx1);
        norm1.backward(saved.x(), saved.norm1(), dn1, dx);
    }

    private static Tensor sum(Tensor a, Tensor b) {
        Tensor s = a.copy();
        addInto(s, b);
        return s;
    }

    /** acc += v (same sizes). */
    private static void addInto(Tensor acc, Tensor v) {
        for (int i = 0; i < acc.size; i++) acc.data[acc.offset + i] += v.data[v.offset + i];
    }
}
