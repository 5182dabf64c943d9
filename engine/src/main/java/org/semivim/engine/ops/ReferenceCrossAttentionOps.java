package org.semivim.engine.ops;

import org.semivim.engine.reference.CrossAttentionRef;
import org.semivim.engine.tensor.Tensor;

/**
 * The plain cross-attention backend: copies to double, runs {@link CrossAttentionRef}, rounds back
 * to float. It is the double reference the fast {@link CpuCrossAttentionOps} is tested against.
 */
public final class ReferenceCrossAttentionOps implements CrossAttentionOps {

    @Override
    public void crossAttentionForward(Tensor q, Tensor kv, int heads, AttentionMask mask, Tensor probs, Tensor out) {
        CrossAttentionShape s = CrossAttentionShape.of(q, kv, heads, probs, out, "out");
        s.checkMask(mask);
        double[] p = new double[probs.size]; // [B,H,Lq,Lk]
        double[] o = new double[out.size];   // [B,Lq,D]
        CrossAttentionRef.forward(DoubleCopies.of(q), DoubleCopies.of(kv), s.batch(), s.queries(), s.keys(), s.heads(), s.headDim(),
                mask.allowed(), p, o);
        DoubleCopies.store(p, probs);
        DoubleCopies.store(o, out);
    }

    @Override
    public void crossAttentionBackward(Tensor q, Tensor kv, int heads, Tensor probs, Tensor dout, Tensor dq, Tensor dkv) {
        CrossAttentionShape s = CrossAttentionShape.of(q, kv, heads, probs, dout, "dout");
        dq.requireShape("cross-attention dq [B,Lq,D]", q.shape());
        dkv.requireShape("cross-attention dkv [B,Lk,2·D]", kv.shape());
        double[] gq = new double[dq.size], gkv = new double[dkv.size]; // this call's contributions only
        CrossAttentionRef.backward(DoubleCopies.of(q), DoubleCopies.of(kv), s.batch(), s.queries(), s.keys(), s.heads(), s.headDim(),
                DoubleCopies.of(probs), DoubleCopies.of(dout), gq, gkv);
        DoubleCopies.addRounded(gq, dq);
        DoubleCopies.addRounded(gkv, dkv);
    }
}
