package org.semivim.engine.ops;

import org.semivim.engine.reference.AttentionRef;
import org.semivim.engine.tensor.Tensor;

/**
 * The plain attention backend: copies to double, runs {@link AttentionRef}, rounds back to float.
 * It is the double reference the fast {@link CpuAttentionOps} is tested against.
 */
public final class ReferenceAttentionOps implements AttentionOps {

    @Override
    public void attentionForward(Tensor qkv, int heads, Tensor probs, Tensor out) {
        AttentionShape s = AttentionShape.of(qkv, heads, probs, out, "out");
        double[] p = new double[probs.size]; // [B,H,L,L]
        double[] o = new double[out.size];   // [B,L,D]
        AttentionRef.attentionForward(DoubleCopies.of(qkv), s.batch(), s.len(), s.heads(), s.headDim(), p, o);
        DoubleCopies.store(p, probs);
        DoubleCopies.store(o, out);
    }

    @Override
    public void attentionBackward(Tensor qkv, int heads, Tensor probs, Tensor dout, Tensor dqkv) {
        AttentionShape s = AttentionShape.of(qkv, heads, probs, dout, "dout");
        dqkv.requireShape("attention dqkv [B,L,3·D]", qkv.shape());
        double[] dq = new double[dqkv.size]; // [B,L,3·D], this call's contribution only
        AttentionRef.attentionBackward(DoubleCopies.of(qkv), s.batch(), s.len(), s.heads(), s.headDim(),
                DoubleCopies.of(probs), DoubleCopies.of(dout), dq);
        DoubleCopies.addRounded(dq, dqkv);
    }
}
