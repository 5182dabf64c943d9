package org.semivim.engine.reference;

/**
 * Multi-head self-attention core in double precision: the plain math behind
 * {@link org.semivim.engine.ops.AttentionOps}. qkv [B,L,3·D] is laid out as (B, L, 3, H, dh)
 * (timm {@code qkv.reshape(B, L, 3, H, dh)}), out [B,L,D] holds the heads side by side, probs
 * [B,H,L,L] is the softmax saved for the backward.
 */
public final class AttentionRef {
    private AttentionRef() {}

    /** out_h = softmax(q_h k_hᵀ / √dh) v_h for every (b, h). */
    public static void attentionForward(double[] qkv, int batch, int len, int heads, int headDim,
                                        double[] probs, double[] out) {
        int dim = heads * headDim;
        double scale = 1.0 / Math.sqrt(headDim);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int pBase = (b * heads + h) * len * len;
                for (int i = 0; i < len; i++) {
                    int qi = qkvIndex(b, i, 0, h, len, dim, headDim);
                    // scores s_ij = q_i·k_j / √dh, then a max-shifted softmax over j
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        int kj = qkvIndex(b, j, 1, h, len, dim, headDim);
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += qkv[qi + d] * qkv[kj + d];
                        s *= scale;
                        probs[pBase + i * len + j] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int j = 0; j < len; j++) {
                        double e = Math.exp(probs[pBase + i * len + j] - max);
                        probs[pBase + i * len + j] = e;
                        sum += e;
                    }
                    for (int j = 0; j < len; j++) probs[pBase + i * len + j] /= sum;
                    // out_i = Σ_j p_ij v_j
                    int oi = (b * len + i) * dim + h * headDim;
                    for (int d = 0; d < headDim; d++) {
                        double acc = 0;
                        for (int j = 0; j < len; j++) {
                            acc += probs[pBase + i * len + j] * qkv[qkvIndex(b, j, 2, h, len, dim, headDim) + d];
                        }
                        out[oi + d] = acc;
                    }
                }
            }
        }
    }

    /**
     * Accumulates dqkv from dout: dv_j += Σ_i p_ij dout_i; dp_ij = dout_i·v_j;
     * ds_ij = p_ij (dp_ij − Σ_j' p_ij' dp_ij'); dq_i += Σ_j ds_ij k_j / √dh; dk_j += Σ_i ds_ij q_i / √dh.
     */
    public static void attentionBackward(double[] qkv, int batch, int len, int heads, int headDim,
                                         double[] probs, double[] dout, double[] dqkv) {
        int dim = heads * headDim;
        double scale = 1.0 / Math.sqrt(headDim);
        double[] ds = new double[len]; // one row of dS [L]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int pBase = (b * heads + h) * len * len;
                for (int i = 0; i < len; i++) {
                    int oi = (b * len + i) * dim + h * headDim;
                    int qi = qkvIndex(b, i, 0, h, len, dim, headDim);
                    double rowDot = 0; // Σ_j p_ij dp_ij
                    for (int j = 0; j < len; j++) {
                        int vj = qkvIndex(b, j, 2, h, len, dim, headDim);
                        double p = probs[pBase + i * len + j];
                        double dp = 0;
                        for (int d = 0; d < headDim; d++) {
                            dp += dout[oi + d] * qkv[vj + d];
                            dqkv[vj + d] += p * dout[oi + d];
                        }
                        ds[j] = dp;
                        rowDot += p * dp;
                    }
                    for (int j = 0; j < len; j++) {
                        double dsij = probs[pBase + i * len + j] * (ds[j] - rowDot) * scale;
                        int kj = qkvIndex(b, j, 1, h, len, dim, headDim);
                        for (int d = 0; d < headDim; d++) {
                            dqkv[qi + d] += dsij * qkv[kj + d];
                            dqkv[kj + d] += dsij * qkv[qi + d];
                        }
                    }
                }
            }
        }
    }

    /** Flat index of element 0 of head h of part (0 = q, 1 = k, 2 = v) of token t of sample b. */
    static int qkvIndex(int b, int t, int part, int h, int len, int dim, int headDim) {
        return ((b * len + t) * 3 + part) * dim + h * headDim;
    }
}
