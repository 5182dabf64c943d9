package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Checks the tensors of an {@link AttentionOps} call and derives B, L, H, dh from them. */
record AttentionShape(int batch, int len, int heads, int headDim) {

    int dim() {
        return heads * headDim;
    }

    static AttentionShape of(Tensor qkv, int heads, Tensor probs, Tensor out, String outName) {
        if (qkv.rank() != 3) throw new IllegalArgumentException("attention: qkv must be [B,L,3·D], got " + qkv);
        if (heads < 1) throw new IllegalArgumentException("attention: heads must be at least 1, got " + heads);
        int batch = qkv.dim(0), len = qkv.dim(1), width = qkv.dim(2);
        if (width % (3 * heads) != 0) {
            throw new IllegalArgumentException("attention: qkv last dimension " + width + " is not 3·heads·dh for heads = " + heads);
        }
        int headDim = width / (3 * heads);
        if (headDim == 0) throw new IllegalArgumentException("attention: qkv " + qkv + " has zero head width");
        AttentionShape s = new AttentionShape(batch, len, heads, headDim);
        probs.requireShape("attention probs [B,H,L,L]", batch, heads, len, len);
        out.requireShape("attention " + outName + " [B,L,D]", batch, len, s.dim());
        return s;
    }
}
