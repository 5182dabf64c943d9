package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The core of multi-head self-attention in the timm layout: qkv [B,L,3·D] holds q, k and v
 * for H heads of width dh = D/H as (B, L, 3, H, dh). out [B,L,D] holds the heads side by side.
 * {@code out_h = softmax(q_h k_hᵀ / √dh) v_h}; probs [B,H,L,L] is saved for the backward.
 */
public interface AttentionOps {
    void attentionForward(Tensor qkv, int heads, Tensor probs, Tensor out);

    /** Accumulates dqkv [B,L,3·D] from dout [B,L,D]. */
    void attentionBackward(Tensor qkv, int heads, Tensor probs, Tensor dout, Tensor dqkv);
}
