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
        CrossAttentionRef.forward(toDouble(q), toDouble(kv), s.batch(), s.queries(), s.keys(), s.heads(), s.headDim(),
                mask.allowed(), p, o);
        store(p, probs);
        store(o, out);
    }

    @Override
    public void crossAttentionBackward(Tensor q, Tensor kv, int heads, Tensor probs, Tensor dout, Tensor dq, Tensor dkv) {
        CrossAttentionShape s = CrossAttentionShape.of(q, kv, heads, probs, dout, "dout");
        dq.requireShape("cross-attention dq [B,Lq,D]", q.shape());
        dkv.requireShape("cross-attention dkv [B,Lk,2·D]", kv.shape());
        double[] gq = new double[dq.size], gkv = new double[dkv.size]; // this call's contributions only
        CrossAttentionRef.backward(toDouble(q), toDouble(kv), s.batch(), s.queries(), s.keys(), s.heads(), s.headDim(),
                toDouble(probs), toDouble(dout), gq, gkv);
        for (int i = 0; i < gq.length; i++) dq.data[dq.offset + i] += (float) gq[i];
        for (int i = 0; i < gkv.length; i++) dkv.data[dkv.offset + i] += (float) gkv[i];
    }

    private static double[] toDouble(Tensor t) {
        double[] d = new double[t.size];
        for (int i = 0; i < d.length; i++) d[i] = t.data[t.offset + i];
        return d;
    }

    private static void store(double[] src, Tensor dst) {
        for (int i = 0; i < src.length; i++) dst.data[dst.offset + i] = (float) src[i];
    }
}
