package org.semivim.engine.models.arm;

import org.semivim.engine.layers.LayerNorm;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.layers.Mlp;
import org.semivim.engine.ops.AttentionMask;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * ARM's {@code DecoderBlock}: cross-attention only, then an MLP (exact GELU), both pre-norm with
 * LayerNorm (eps 1e-5):
 * <pre>
 * q ← q + attn2(norm2_1(q), norm2_2(kv), mask)       q [B,Lq,Dd], kv [B,Lk,Dd]
 * q ← q + mlp(norm2(q))
 * </pre>
 * Parameters {@code dec_block.<j>.attn2.{q,kv,proj}, norm2_1, norm2_2, norm2, mlp.{fc1,fc2}}.
 */
final class ArmDecoderBlock {
    record Saved(Tensor q, Tensor kv, LayerNorm.Output nq, LayerNorm.Output nkv, ArmCrossAttention.Output attn,
                 Tensor mid, LayerNorm.Output n2, Mlp.Output mlp) {}

    record Output(Tensor y, Saved saved) {}

    private final ArmCrossAttention attn;
    private final LayerNorm normQ, normKv, norm2;
    private final Mlp mlp;

    ArmDecoderBlock(Ops ops, ParameterSet.Builder params, String prefix, ArmConfig cfg) {
        int d = cfg.decoderDim();
        this.attn = new ArmCrossAttention(ops, params, prefix + ".attn2", d, cfg.decoderHeads());
        this.normQ = new LayerNorm(ops, params, prefix + ".norm2_1", d, ArmConfig.LAYER_NORM_EPS);
        this.normKv = new LayerNorm(ops, params, prefix + ".norm2_2", d, ArmConfig.LAYER_NORM_EPS);
        this.norm2 = new LayerNorm(ops, params, prefix + ".norm2", d, ArmConfig.LAYER_NORM_EPS);
        this.mlp = new Mlp(ops, params, prefix + ".mlp", d, cfg.decoderHidden());
    }

    LayerNorm[] norms() { return new LayerNorm[]{normQ, normKv, norm2}; }

    Linear[] linears() {
        Linear[] a = attn.linears();
        return new Linear[]{a[0], a[1], a[2], mlp.fc1(), mlp.fc2()};
    }

    Output forward(Tensor q, Tensor kv, AttentionMask mask) {
        LayerNorm.Output nq = normQ.forward(q);
        LayerNorm.Output nkv = normKv.forward(kv);
        ArmCrossAttention.Output a = attn.forward(nq.y(), nkv.y(), mask);
        Tensor mid = add(q, a.y());                                              // [B,Lq,Dd]
        LayerNorm.Output n2 = norm2.forward(mid);
        Mlp.Output m = mlp.forward(n2.y());
        return new Output(add(mid, m.y()), new Saved(q, kv, nq, nkv, a, mid, n2, m));
    }

    /** Accumulates the parameter gradients, dq [B,Lq,Dd] and dkv [B,Lk,Dd] from dy. */
    void backward(Saved s, Tensor dy, Tensor dq, Tensor dkv) {
        Tensor dMid = dy.copy();                                                 // the skip path
        Tensor dN2 = Tensor.zeros(s.mid().shape());
        mlp.backward(s.n2().y(), s.mlp(), dy, dN2);
        norm2.backward(s.mid(), s.n2(), dN2, dMid);
        Tensor dNq = Tensor.zeros(s.q().shape()), dNkv = Tensor.zeros(s.kv().shape());
        attn.backward(s.nq().y(), s.nkv().y(), s.attn(), dMid, dNq, dNkv);
        for (int i = 0; i < dMid.size; i++) dq.data[dq.offset + i] += dMid.data[i];
        normQ.backward(s.q(), s.nq(), dNq, dq);
        normKv.backward(s.kv(), s.nkv(), dNkv, dkv);
    }

    static Tensor add(Tensor a, Tensor b) {
        Tensor y = Tensor.zeros(a.shape());
        for (int i = 0; i < y.size; i++) y.data[i] = a.data[a.offset + i] + b.data[b.offset + i];
        return y;
    }
}
