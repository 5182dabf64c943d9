package org.semivim.engine.reference;

/**
 * Masked multi-head cross-attention in double precision: the plain math behind
 * {@link org.semivim.engine.ops.CrossAttentionOps}. q [B,Lq,D] holds the heads side by side, kv
 * [B,Lk,2·D] is laid out as (B, Lk, 2, H, dh), out [B,Lq,D], probs [B,H,Lq,Lk]. {@code allowed}
 * [Lq·Lk] (null = all) says which keys each query sees; the others get probability 0 exactly.
 */
public final class CrossAttentionRef {
    private CrossAttentionRef() {}

    /** out_h = softmax over the allowed j of (q_h,i·k_h,j / √dh), times v_h. */
    public static void forward(double[] q, double[] kv, int batch, int lq, int lk, int heads, int headDim, boolean[] allowed,
                               double[] probs, double[] out) {
        int dim = heads * headDim;
        double scale = 1.0 / Math.sqrt(headDim);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int pBase = (b * heads + h) * lq * lk;
                for (int i = 0; i < lq; i++) {
                    int qi = (b * lq + i) * dim + h * headDim;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        if (allowed != null && !allowed[i * lk + j]) continue;
                        int kj = kvIndex(b, j, 0, h, lk, dim, headDim);
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += q[qi + d] * kv[kj + d];
                        s *= scale;
                        probs[pBase + i * lk + j] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) {
                        if (allowed != null && !allowed[i * lk + j]) {
                            probs[pBase + i * lk + j] = 0;
                            continue;
                        }
                        double e = Math.exp(probs[pBase + i * lk + j] - max);
                        probs[pBase + i * lk + j] = e;
                        sum += e;
                    }
                    for (int j = 0; j < lk; j++) probs[pBase + i * lk + j] /= sum;
                    int oi = (b * lq + i) * dim + h * headDim;
                    for (int d = 0; d < headDim; d++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) acc += probs[pBase + i * lk + j] * kv[kvIndex(b, j, 1, h, lk, dim, headDim) + d];
                        out[oi + d] = acc;
                    }
                }
            }
        }
    }

    /**
     * Accumulates dq and dkv from dout: dv_j += Σ_i p_ij dout_i; dp_ij = dout_i·v_j;
     * ds_ij = p_ij (dp_ij − Σ_j' p_ij' dp_ij'); dq_i += Σ_j ds_ij k_j / √dh; dk_j += Σ_i ds_ij q_i / √dh.
     */
    public static void backward(double[] q, double[] kv, int batch, int lq, int lk, int heads, int headDim, double[] probs,
                                double[] dout, double[] dq, double[] dkv) {
        int dim = heads * headDim;
        double scale = 1.0 / Math.sqrt(headDim);
        double[] dp = new double[lk];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int pBase = (b * heads + h) * lq * lk;
                for (int i = 0; i < lq; i++) {
                    int oi = (b * lq + i) * dim + h * headDim;
                    double rowDot = 0;
                    for (int j = 0; j < lk; j++) {
                        int vj = kvIndex(b, j, 1, h, lk, dim, headDim);
                        double p = probs[pBase + i * lk + j];
                        double s = 0;
                        for (int d = 0; d < headDim; d++) {
                            s += dout[oi + d] * kv[vj + d];
                            dkv[vj + d] += p * dout[oi + d];
                        }
                        dp[j] = s;
                        rowDot += p * s;
                    }
                    for (int j = 0; j < lk; j++) {
                        double ds = probs[pBase + i * lk + j] * (dp[j] - rowDot) * scale;
                        int kj = kvIndex(b, j, 0, h, lk, dim, headDim);
                        for (int d = 0; d < headDim; d++) {
                            dq[oi + d] += ds * kv[kj + d];
                            dkv[kj + d] += ds * q[oi + d];
                        }
                    }
                }
            }
        }
    }

    /** Flat index of element 0 of head h of part (0 = key, 1 = value) of key token t of sample b. */
    static int kvIndex(int b, int t, int part, int h, int lk, int dim, int headDim) {
        return ((b * lk + t) * 2 + part) * dim + h * headDim;
    }
}
