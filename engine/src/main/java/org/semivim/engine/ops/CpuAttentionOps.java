package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * Fast attention core: one task per (sample, head), each in float with its own scratch buffers,
 * writing only its own slices of probs / out / dqkv. Task boundaries depend on (B, H) alone, so
 * results are bit-identical for any thread count. Softmax is max-shifted; its normaliser and the
 * backward row sum Σ_j p_ij·dp_ij accumulate in double (the only reductions over L).
 */
public final class CpuAttentionOps implements AttentionOps {

    @Override
    public void attentionForward(Tensor qkv, int heads, Tensor probs, Tensor out) {
        AttentionShape s = AttentionShape.of(qkv, heads, probs, out, "out");
        Parallel.forEach(s.batch() * s.heads(), task -> forwardOne(qkv, probs, out, s, task / s.heads(), task % s.heads()));
    }

    @Override
    public void attentionBackward(Tensor qkv, int heads, Tensor probs, Tensor dout, Tensor dqkv) {
        AttentionShape s = AttentionShape.of(qkv, heads, probs, dout, "dout");
        dqkv.requireShape("attention dqkv [B,L,3·D]", qkv.shape());
        Parallel.forEach(s.batch() * s.heads(), task -> backwardOne(qkv, probs, dout, dqkv, s, task / s.heads(), task % s.heads()));
    }

    private static void forwardOne(Tensor qkv, Tensor probs, Tensor out, AttentionShape s, int b, int h) {
        int len = s.len(), dh = s.headDim(), dim = s.dim();
        float scale = (float) (1.0 / Math.sqrt(dh));
        float[] q = gather(qkv, s, b, 0, h); // [L,dh]
        float[] k = gather(qkv, s, b, 1, h); // [L,dh]
        float[] v = gather(qkv, s, b, 2, h); // [L,dh]
        float[] acc = new float[dh];         // one output row [dh]
        float[] p = probs.data;
        int pBase = probs.offset + (b * s.heads() + h) * len * len;
        for (int i = 0; i < len; i++) {
            int row = pBase + i * len;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                float sij = HeadVectors.dot(q, i * dh, k, j * dh, dh) * scale;
                p[row + j] = sij;
                max = Math.max(max, sij);
            }
            double sum = 0;
            for (int j = 0; j < len; j++) {
                float e = (float) Math.exp(p[row + j] - max);
                p[row + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            java.util.Arrays.fill(acc, 0f);
            for (int j = 0; j < len; j++) {
                float pij = p[row + j] * inv;
                p[row + j] = pij;
                HeadVectors.axpy(pij, v, j * dh, acc, 0, dh);
            }
            System.arraycopy(acc, 0, out.data, out.offset + (b * len + i) * dim + h * dh, dh);
        }
    }

    private static void backwardOne(Tensor qkv, Tensor probs, Tensor dout, Tensor dqkv, AttentionShape s, int b, int h) {
        int len = s.len(), dh = s.headDim(), dim = s.dim();
        float scale = (float) (1.0 / Math.sqrt(dh));
        float[] q = gather(qkv, s, b, 0, h); // [L,dh]
        float[] k = gather(qkv, s, b, 1, h); // [L,dh]
        float[] v = gather(qkv, s, b, 2, h); // [L,dh]
        float[] dO = HeadVectors.gather(dout, len, 1, dim, dh, b, 0, h); // [L,dh] this head's slice of dout
        float[] dq = new float[len * dh], dk = new float[len * dh], dv = new float[len * dh]; // [L,dh] each
        float[] dp = new float[len]; // one row of dP = dO·Vᵀ [L]
        float[] p = probs.data;
        int pBase = probs.offset + (b * s.heads() + h) * len * len;
        for (int i = 0; i < len; i++) {
            int row = pBase + i * len;
            double rowDot = 0; // Σ_j p_ij dp_ij
            for (int j = 0; j < len; j++) {
                float pij = p[row + j];
                dp[j] = HeadVectors.dot(dO, i * dh, v, j * dh, dh);
                rowDot += (double) pij * dp[j];
                HeadVectors.axpy(pij, dO, i * dh, dv, j * dh, dh);
            }
            float rd = (float) rowDot;
            for (int j = 0; j < len; j++) {
                float ds = p[row + j] * (dp[j] - rd) * scale;
                HeadVectors.axpy(ds, k, j * dh, dq, i * dh, dh);
                HeadVectors.axpy(ds, q, i * dh, dk, j * dh, dh);
            }
        }
        scatterAdd(dq, dqkv, s, b, 0, h);
        scatterAdd(dk, dqkv, s, b, 1, h);
        scatterAdd(dv, dqkv, s, b, 2, h);
    }

    /** Part (0 = q, 1 = k, 2 = v) of head h of sample b of qkv as a contiguous [L,dh] buffer. */
    private static float[] gather(Tensor qkv, AttentionShape s, int b, int part, int h) {
        return HeadVectors.gather(qkv, s.len(), 3, s.dim(), s.headDim(), b, part, h);
    }

    /** Adds a [L,dh] buffer into part {@code part} of head h of sample b of dqkv. */
    private static void scatterAdd(float[] buf, Tensor dqkv, AttentionShape s, int b, int part, int h) {
        HeadVectors.scatterAdd(buf, dqkv, s.len(), 3, s.dim(), s.headDim(), b, part, h);
    }
}
