package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Checks the tensors of a {@link CrossAttentionOps} call and derives B, Lq, Lk, H, dh from them. */
record CrossAttentionShape(int batch, int queries, int keys, int heads, int headDim) {

    int dim() {
        return heads * headDim;
    }

    static CrossAttentionShape of(Tensor q, Tensor kv, int heads, Tensor probs, Tensor out, String outName) {
        if (q.rank() != 3) throw new IllegalArgumentException("cross-attention: q must be [B,Lq,D], got " + q);
        if (kv.rank() != 3) throw new IllegalArgumentException("cross-attention: kv must be [B,Lk,2·D], got " + kv);
        if (heads < 1) throw new IllegalArgumentException("cross-attention: heads must be at least 1, got " + heads);
        int batch = q.dim(0), lq = q.dim(1), dim = q.dim(2);
        if (dim % heads != 0 || dim == 0) {
            throw new IllegalArgumentException("cross-attention: q width " + dim + " is not a positive multiple of heads = " + heads);
        }
        if (kv.dim(0) != batch || kv.dim(2) != 2 * dim) {
            throw new IllegalArgumentException("cross-attention: kv " + kv + " must be [" + batch + ",Lk," + 2 * dim + "] for q " + q);
        }
        CrossAttentionShape s = new CrossAttentionShape(batch, lq, kv.dim(1), heads, dim / heads);
        probs.requireShape("cross-attention probs [B,H,Lq,Lk]", batch, heads, lq, s.keys());
        out.requireShape("cross-attention " + outName + " [B,Lq,D]", batch, lq, dim);
        return s;
    }

    void checkMask(AttentionMask mask) {
        if (mask.queries() != queries || mask.keys() != keys) {
            throw new IllegalArgumentException("cross-attention: mask is " + mask.queries() + "×" + mask.keys() + " but the call has "
                    + queries + " queries and " + keys + " keys");
        }
    }
}
