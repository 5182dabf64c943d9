package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * Fast masked cross-attention: one task per (sample, head), in float with its own gathered
 * [L,dh] buffers, writing only its own slices of probs / out / dq / dkv, so results are bit-identical
 * for any thread count (task boundaries depend on (B, H) alone). Masked keys are skipped and keep
 * probability 0. The softmax normaliser and the backward row sum Σ_j p_ij·dp_ij accumulate in double.
 */
public final class CpuCrossAttentionOps implements CrossAttentionOps {

    @Override
    public void crossAttentionForward(Tensor q, Tensor kv, int heads, AttentionMask mask, Tensor probs, Tensor out) {
        CrossAttentionShape s = CrossAttentionShape.of(q, kv, heads, probs, out, "out");
        s.checkMask(mask);
        boolean[] allowed = mask.allowed();
        Parallel.forEach(s.batch() * s.heads(), task -> forwardOne(q, kv, allowed, probs, out, s, task / s.heads(), task % s.heads()));
    }

    @Override
    public void crossAttentionBackward(Tensor q, Tensor kv, int heads, Tensor probs, Tensor dout, Tensor dq, Tensor dkv) {
        CrossAttentionShape s = CrossAttentionShape.of(q, kv, heads, probs, dout, "dout");
        dq.requireShape("cross-attention dq [B,Lq,D]", q.shape());
        dkv.requireShape("cross-attention dkv [B,Lk,2·D]", kv.shape());
        Parallel.forEach(s.batch() * s.heads(), task -> backwardOne(q, kv, probs, dout, dq, dkv, s, task / s.heads(), task % s.heads()));
    }

    private static void forwardOne(Tensor q, Tensor kv, boolean[] allowed, Tensor probs, Tensor out, CrossAttentionShape s, int b, int h) {
        int lq = s.queries(), lk = s.keys(), dh = s.headDim(), dim = s.dim();
        float scale = (float) (1.0 / Math.sqrt(dh));
        float[] qh = gatherQ(q, s, b, h);        // [Lq,dh]
        float[] k = gatherKv(kv, s, b, 0, h);    // [Lk,dh]
        float[] v = gatherKv(kv, s, b, 1, h);    // [Lk,dh]
        float[] acc = new float[dh];
        float[] p = probs.data;
        int pBase = probs.offset + (b * s.heads() + h) * lq * lk;
        for (int i = 0; i < lq; i++) {
            int row = pBase + i * lk, mrow = i * lk;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < lk; j++) {
                if (!allowed[mrow + j]) continue;
                float sij = HeadVectors.dot(qh, i * dh, k, j * dh, dh) * scale;
                p[row + j] = sij;
                max = Math.max(max, sij);
            }
            double sum = 0;
            for (int j = 0; j < lk; j++) {
                if (!allowed[mrow + j]) {
                    p[row + j] = 0f;
                    continue;
                }
                float e = (float) Math.exp(p[row + j] - max);
                p[row + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            java.util.Arrays.fill(acc, 0f);
            for (int j = 0; j < lk; j++) {
                if (!allowed[mrow + j]) continue;
                float pij = p[row + j] * inv;
                p[row + j] = pij;
                HeadVectors.axpy(pij, v, j * dh, acc, 0, dh);
            }
            System.arraycopy(acc, 0, out.data, out.offset + (b * lq + i) * dim + h * dh, dh);
        }
    }

    private static void backwardOne(Tensor q, Tensor kv, Tensor probs, Tensor dout, Tensor dq, Tensor dkv, CrossAttentionShape s,
                                    int b, int h) {
        int lq = s.queries(), lk = s.keys(), dh = s.headDim(), dim = s.dim();
        float scale = (float) (1.0 / Math.sqrt(dh));
        float[] qh = gatherQ(q, s, b, h);
        float[] k = gatherKv(kv, s, b, 0, h);
        float[] v = gatherKv(kv, s, b, 1, h);
        float[] dO = gatherQ(dout, s, b, h);     // [Lq,dh]
        float[] gq = new float[lq * dh], gk = new float[lk * dh], gv = new float[lk * dh];
        float[] dp = new float[lk];
        float[] p = probs.data;
        int pBase = probs.offset + (b * s.heads() + h) * lq * lk;
        for (int i = 0; i < lq; i++) {
            int row = pBase + i * lk;
            double rowDot = 0;
            for (int j = 0; j < lk; j++) {
                float pij = p[row + j];
                if (pij == 0f) {
                    dp[j] = 0f;                  // masked (or underflowed): contributes nothing anywhere
                    continue;
                }
                dp[j] = HeadVectors.dot(dO, i * dh, v, j * dh, dh);
                rowDot += (double) pij * dp[j];
                HeadVectors.axpy(pij, dO, i * dh, gv, j * dh, dh);
            }
            float rd = (float) rowDot;
            for (int j = 0; j < lk; j++) {
                float pij = p[row + j];
                if (pij == 0f) continue;
                float ds = pij * (dp[j] - rd) * scale;
                HeadVectors.axpy(ds, k, j * dh, gq, i * dh, dh);
                HeadVectors.axpy(ds, qh, i * dh, gk, j * dh, dh);
            }
        }
        HeadVectors.scatterAdd(gq, dq, lq, 1, dim, dh, b, 0, h);
        scatterAddKv(gk, dkv, s, b, 0, h);
        scatterAddKv(gv, dkv, s, b, 1, h);
    }

    /** Head h of sample b of a [B,Lq,D] tensor as a contiguous [Lq,dh] buffer. */
    private static float[] gatherQ(Tensor t, CrossAttentionShape s, int b, int h) {
        return HeadVectors.gather(t, s.queries(), 1, s.dim(), s.headDim(), b, 0, h);
    }

    /** Part (0 = key, 1 = value) of head h of sample b of kv as a contiguous [Lk,dh] buffer. */
    private static float[] gatherKv(Tensor kv, CrossAttentionShape s, int b, int part, int h) {
        return HeadVectors.gather(kv, s.keys(), 2, s.dim(), s.headDim(), b, part, h);
    }

    /** Adds a [Lk,dh] buffer into part {@code part} of head h of sample b of dkv. */
    private static void scatterAddKv(float[] buf, Tensor dkv, CrossAttentionShape s, int b, int part, int h) {
        HeadVectors.scatterAdd(buf, dkv, s.keys(), 2, s.dim(), s.headDim(), b, part, h);
    }
}
