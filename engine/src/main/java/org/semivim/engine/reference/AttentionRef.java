package org.semivim.engine.reference;

/**
 * Multi-head self-attention core in double precision: the plain math behind
 * {@link org.semivim.engine.ops.AttentionOps}. qkv [B,L,3·D] is laid out as (B, L, 3, H, dh)
 * (timm {@code qkv.reshape(B, L, 3, H, dh)}), out [B,L,D] holds the heads side by side, probs
 * [B,H,L,L] is the softmax saved for the backward. Self-attention is cross-attention of the
 * sequence with itself and no mask: qkv is split into q [B,L,D] and kv [B,L,2·D] and handed to
 * {@link CrossAttentionRef}, which does the same operations in the same order.
 */
public final class AttentionRef {
    private AttentionRef() {}

    /** out_h = softmax(q_h k_hᵀ / √dh) v_h for every (b, h). */
    public static void attentionForward(double[] qkv, int batch, int len, int heads, int headDim,
                                        double[] probs, double[] out) {
        int dim = heads * headDim;
        double[] q = new double[batch * len * dim], kv = new double[batch * len * 2 * dim];
        split(qkv, batch * len, dim, q, kv);
        CrossAttentionRef.forward(q, kv, batch, len, len, heads, headDim, null, probs, out);
    }

    /**
     * Accumulates dqkv from dout: dv_j += Σ_i p_ij dout_i; dp_ij = dout_i·v_j;
     * ds_ij = p_ij (dp_ij − Σ_j' p_ij' dp_ij'); dq_i += Σ_j ds_ij k_j / √dh; dk_j += Σ_i ds_ij q_i / √dh.
     * The split gradients start from dqkv's values, so every element gets the same sums in the same order.
     */
    public static void attentionBackward(double[] qkv, int batch, int len, int heads, int headDim,
                                         double[] probs, double[] dout, double[] dqkv) {
        int tokens = batch * len, dim = heads * headDim;
        double[] q = new double[tokens * dim], kv = new double[tokens * 2 * dim];
        double[] dq = new double[tokens * dim], dkv = new double[tokens * 2 * dim];
        split(qkv, tokens, dim, q, kv);
        split(dqkv, tokens, dim, dq, dkv);
        CrossAttentionRef.backward(q, kv, batch, len, len, heads, headDim, probs, dout, dq, dkv);
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(dq, t * dim, dqkv, t * 3 * dim, dim);
            System.arraycopy(dkv, t * 2 * dim, dqkv, t * 3 * dim + dim, 2 * dim);
        }
    }

    /** Copies each token's row (q, k, v) [3·D] of qkv into its row of q [D] and of kv (k, v) [2·D]. */
    private static void split(double[] qkv, int tokens, int dim, double[] q, double[] kv) {
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(qkv, t * 3 * dim, q, t * dim, dim);
            System.arraycopy(qkv, t * 3 * dim + dim, kv, t * 2 * dim, 2 * dim);
        }
    }
}
