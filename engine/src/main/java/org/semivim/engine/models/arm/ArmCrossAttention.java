package org.semivim.engine.models.arm;

import org.semivim.engine.layers.Linear;
import org.semivim.engine.ops.AttentionMask;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * ARM's {@code CrossAttention} (qkv_bias = True): q = Linear(D → D), kv = Linear(D → 2D) laid out as
 * (2, H, dh), per-head masked softmax(q kᵀ/√dh)·v ({@link org.semivim.engine.ops.CrossAttentionOps}),
 * proj = Linear(D → D). Parameters {@code <prefix>.q.*}, {@code <prefix>.kv.*}, {@code <prefix>.proj.*}.
 */
final class ArmCrossAttention {
    /** y [B,Lq,D] and what the backward needs: q [B,Lq,D], kv [B,Lk,2D], probs [B,H,Lq,Lk], heads [B,Lq,D]. */
    record Output(Tensor y, Tensor q, Tensor kv, Tensor probs, Tensor heads) {}

    private final Ops ops;
    private final Linear q, kv, proj;
    private final int dim, numHeads;

    ArmCrossAttention(Ops ops, ParameterSet.Builder params, String prefix, int dim, int numHeads) {
        this.ops = ops;
        this.dim = dim;
        this.numHeads = numHeads;
        this.q = new Linear(ops, params, prefix + ".q", dim, dim, true);
        this.kv = new Linear(ops, params, prefix + ".kv", dim, 2 * dim, true);
        this.proj = new Linear(ops, params, prefix + ".proj", dim, dim, true);
    }

    Linear[] linears() { return new Linear[]{q, kv, proj}; }

    /** queries [B,Lq,D], keys/values source [B,Lk,D] → y [B,Lq,D]. */
    Output forward(Tensor queries, Tensor source, AttentionMask mask) {
        Tensor qOut = q.forward(queries);                                        // [B,Lq,D]
        Tensor kvOut = kv.forward(source);                                       // [B,Lk,2D]
        int b = queries.dim(0), lq = queries.dim(1), lk = source.dim(1);
        Tensor probs = Tensor.zeros(b, numHeads, lq, lk);                        // [B,H,Lq,Lk]
        Tensor heads = Tensor.zeros(b, lq, dim);                                 // [B,Lq,D]
        ops.crossAttention().crossAttentionForward(qOut, kvOut, numHeads, mask, probs, heads);
        return new Output(proj.forward(heads), qOut, kvOut, probs, heads);
    }

    /** Accumulates the parameter gradients, dQueries [B,Lq,D] and dSource [B,Lk,D] from dy [B,Lq,D]. */
    void backward(Tensor queries, Tensor source, Output s, Tensor dy, Tensor dQueries, Tensor dSource) {
        Tensor dHeads = Tensor.zeros(s.heads().shape());
        proj.backward(s.heads(), dy, dHeads);
        Tensor dq = Tensor.zeros(s.q().shape()), dkv = Tensor.zeros(s.kv().shape());
        ops.crossAttention().crossAttentionBackward(s.q(), s.kv(), numHeads, s.probs(), dHeads, dq, dkv);
        q.backward(queries, dq, dQueries);
        kv.backward(source, dkv, dSource);
    }
}
