package org.semivim.gpu;

import org.semivim.engine.ops.AttentionMask;
import org.semivim.engine.ops.CrossAttentionOps;
import org.semivim.engine.tensor.Tensor;

/**
 * {@link CrossAttentionOps}: per sample, strided-batched GEMMs over the heads on q [B,Lq,D] (row
 * stride D) and kv [B,Lk,2·D] laid out (B, Lk, 2, H, dh) (row stride 2·D, head stride dh); the
 * masked softmax is {@code softmax_rows_masked} (masked entries get probability 0, so they pass no
 * gradient through {@code softmax_rows_bwd}).
 */
final class CudaCrossAttentionOps implements CrossAttentionOps {
    private final KernelDevice device;

    CudaCrossAttentionOps(KernelDevice device) {
        this.device = device;
    }

    /** [B, Lq, Lk, H, dh] after checking q, kv, probs [B,H,Lq,Lk] and out/dout [B,Lq,D]. */
    static int[] shape(Tensor q, Tensor kv, int heads, Tensor probs, Tensor out, String outName) {
        String op = "cross-attention";
        GpuChecks.need(op, "q", q);
        GpuChecks.need(op, "kv", kv);
        if (q.rank() != 3) throw new IllegalArgumentException(op + ": q must be [B,Lq,D], got " + q);
        if (kv.rank() != 3) throw new IllegalArgumentException(op + ": kv must be [B,Lk,2·D], got " + kv);
        if (heads < 1) throw new IllegalArgumentException(op + ": heads must be at least 1, got " + heads);
        int b = q.dim(0), lq = q.dim(1), dim = q.dim(2);
        if (dim % heads != 0 || dim == 0) throw new IllegalArgumentException(op + ": q width " + dim + " is not a positive multiple of heads = " + heads);
        if (kv.dim(0) != b || kv.dim(2) != 2 * dim) throw new IllegalArgumentException(op + ": kv " + kv + " must be [" + b + ",Lk," + 2 * dim + "] for q " + q);
        int lk = kv.dim(1);
        GpuChecks.shape(op, "probs [B,H,Lq,Lk]", probs, b, heads, lq, lk);
        GpuChecks.shape(op, outName + " [B,Lq,D]", out, b, lq, dim);
        return new int[] {b, lq, lk, heads, dim / heads};
    }

    /** The mask as bytes [Lq·Lk], 1 where query i sees key j. */
    static byte[] maskBytes(AttentionMask mask, int lq, int lk) {
        if (mask.queries() != lq || mask.keys() != lk) {
            throw new IllegalArgumentException("cross-attention: mask is " + mask.queries() + "×" + mask.keys() + " but the call has "
                    + lq + " queries and " + lk + " keys");
        }
        boolean[] allowed = mask.allowed();
        byte[] bytes = new byte[allowed.length];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (allowed[i] ? 1 : 0);
        return bytes;
    }

    @Override
    public void crossAttentionForward(Tensor q, Tensor kv, int heads, AttentionMask mask, Tensor probs, Tensor out) {
        int[] s = shape(q, kv, heads, probs, out, "out");
        int nb = s[0], lq = s[1], lk = s[2], h = s[3], dh = s[4], dim = h * dh;
        byte[] m = maskBytes(mask, lq, lk);
        if (q.size == 0) return;
        float scale = (float) (1.0 / Math.sqrt(dh));
        try (KernelSession sc = device.open()) {
            Object pq = sc.in(q), pkv = sc.in(kv), pm = sc.in(m);
            Object pp = sc.out(probs), po = sc.out(out);
            for (int b = 0; b < nb; b++) {
                // scores [H][Lq,Lk] = q_h · k_hᵀ (scaled inside the softmax)
                sc.gemm(false, true, lq, lk, dh, 1f, sc.offset(pq, (long) b * lq * dim), dim, dh,
                        sc.offset(pkv, (long) b * lk * 2 * dim), 2 * dim, dh, 0f, sc.offset(pp, (long) b * h * lq * lk), lk, (long) lq * lk, h);
            }
            sc.launch("softmax_rows_masked", nb * h * lq, 1, 1, 256, 1, 0, pp, pm, nb * h * lq, lq, lk, scale);
            for (int b = 0; b < nb; b++) {
                // out_h = P_h · v_h
                sc.gemm(false, false, lq, dh, lk, 1f, sc.offset(pp, (long) b * h * lq * lk), lk, (long) lq * lk,
                        sc.offset(pkv, (long) b * lk * 2 * dim + dim), 2 * dim, dh, 0f, sc.offset(po, (long) b * lq * dim), dim, dh, h);
            }
        }
    }

    @Override
    public void crossAttentionBackward(Tensor q, Tensor kv, int heads, Tensor probs, Tensor dout, Tensor dq, Tensor dkv) {
        int[] s = shape(q, kv, heads, probs, dout, "dout");
        GpuChecks.shape("crossAttentionBackward", "dq [B,Lq,D]", dq, q.shape());
        GpuChecks.shape("crossAttentionBackward", "dkv [B,Lk,2·D]", dkv, kv.shape());
        int nb = s[0], lq = s[1], lk = s[2], h = s[3], dh = s[4], dim = h * dh;
        if (q.size == 0) return;
        float scale = (float) (1.0 / Math.sqrt(dh));
        try (KernelSession sc = device.open()) {
            Object pq = sc.in(q), pkv = sc.in(kv), pp = sc.in(probs), pdo = sc.in(dout);
            Object pdq = sc.inOut(dq), pdkv = sc.inOut(dkv);
            Object dp = sc.scratch((long) nb * h * lq * lk);   // [B,H,Lq,Lk] gradient of probs, then of the scores
            for (int b = 0; b < nb; b++) {
                Object dO = sc.offset(pdo, (long) b * lq * dim), pb = sc.offset(pp, (long) b * h * lq * lk);
                long kv0 = (long) b * lk * 2 * dim;
                // dP_h = dO_h · v_hᵀ ; dv_h += P_hᵀ · dO_h
                sc.gemm(false, true, lq, lk, dh, 1f, dO, dim, dh, sc.offset(pkv, kv0 + dim), 2 * dim, dh,
                        0f, sc.offset(dp, (long) b * h * lq * lk), lk, (long) lq * lk, h);
                sc.gemm(true, false, lk, dh, lq, 1f, pb, lk, (long) lq * lk, dO, dim, dh, 1f, sc.offset(pdkv, kv0 + dim), 2 * dim, dh, h);
            }
            sc.launch("softmax_rows_bwd", nb * h * lq, 1, 1, 256, 1, 0, pp, dp, nb * h * lq, lk, scale);
            for (int b = 0; b < nb; b++) {
                Object ds = sc.offset(dp, (long) b * h * lq * lk);
                long kv0 = (long) b * lk * 2 * dim, q0 = (long) b * lq * dim;
                // dq_h += dS_h · k_h ; dk_h += dS_hᵀ · q_h
                sc.gemm(false, false, lq, dh, lk, 1f, ds, lk, (long) lq * lk, sc.offset(pkv, kv0), 2 * dim, dh,
                        1f, sc.offset(pdq, q0), dim, dh, h);
                sc.gemm(true, false, lk, dh, lq, 1f, ds, lk, (long) lq * lk, sc.offset(pq, q0), dim, dh,
                        1f, sc.offset(pdkv, kv0), 2 * dim, dh, h);
            }
        }
    }
}
