package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The core of masked multi-head cross-attention (the ARM decoder's {@code CrossAttention}):
 * queries q [B,Lq,D] hold H heads of width dh = D/H side by side; kv [B,Lk,2·D] holds keys and
 * values laid out as (B, Lk, 2, H, dh) (torch {@code kv.reshape(B, N, 2, H, dh)}).
 * {@code out_h = softmax(q_h k_hᵀ / √dh + mask) v_h} with masked entries at probability 0; probs
 * [B,H,Lq,Lk] is saved for the backward. A separate family from the self-attention
 * {@link AttentionOps}, which it leaves unchanged.
 */
public interface CrossAttentionOps {
    /** Writes probs [B,H,Lq,Lk] and out [B,Lq,D]; {@code mask} is [Lq,Lk]. */
    void crossAttentionForward(Tensor q, Tensor kv, int heads, AttentionMask mask, Tensor probs, Tensor out);

    /** Accumulates dq [B,Lq,D] and dkv [B,Lk,2·D] from dout [B,Lq,D] (masked entries have p = 0 and pass nothing). */
    void crossAttentionBackward(Tensor q, Tensor kv, int heads, Tensor probs, Tensor dout, Tensor dq, Tensor dkv);
}
