package org.semivim.gpu;

import org.semivim.engine.ops.AttentionOps;
import org.semivim.engine.tensor.Tensor;

/**
 * {@link AttentionOps}: per sample, the heads' q·kᵀ, p·v and their gradients are strided-batched
 * GEMMs over the heads straight on the (B, L, 3, H, dh) layout (row stride 3·D, head stride dh);
 * the softmax and its backward are the row kernels of {@code attention.cu}.
 */
final class CudaAttentionOps implements AttentionOps {
    private final KernelDevice device;

    CudaAttentionOps(KernelDevice device) {
        this.device = device;
    }

    /** [B, L, H, dh] after checking qkv [B,L,3·H·dh], probs [B,H,L,L] and out/dout [B,L,H·dh]. */
    static int[] shape(Tensor qkv, int heads, Tensor probs, Tensor out, String outName) {
        GpuChecks.need("attention", "qkv", qkv);
        if (qkv.rank() != 3) throw new IllegalArgumentException("attention: qkv must be [B,L,3·D], got " + qkv);
        if (heads < 1) throw new IllegalArgumentException("attention: heads must be at least 1, got " + heads);
        int b = qkv.dim(0), l = qkv.dim(1), width = qkv.dim(2);
        if (width % (3 * heads) != 0 || width == 0) {
            throw new IllegalArgumentException("attention: qkv last dimension " + width + " is not 3·heads·dh for heads = " + heads);
        }
        int dh = width / (3 * heads);
        GpuChecks.shape("attention", "probs [B,H,L,L]", probs, b, heads, l, l);
        GpuChecks.shape("attention", outName + " [B,L,D]", out, b, l, heads * dh);
        return new int[] {b, l, heads, dh};
    }

    @Override
    public void attentionForward(Tensor qkv, int heads, Tensor probs, Tensor out) {
        int[] s = shape(qkv, heads, probs, out, "out");
        int nb = s[0], len = s[1], h = s[2], dh = s[3], dim = h * dh;
        if (qkv.size == 0) return;
        float scale = (float) (1.0 / Math.sqrt(dh));
        try (KernelSession sc = device.open()) {
            Object pqkv = sc.in(qkv);
            Object pp = sc.out(probs), po = sc.out(out);
            for (int b = 0; b < nb; b++) {
                Object q = sc.offset(pqkv, (long) b * len * 3 * dim), k = sc.offset(pqkv, (long) b * len * 3 * dim + dim);
                // scores [H][L,L] = q_h · k_hᵀ (scaled inside the softmax)
                sc.gemm(false, true, len, len, dh, 1f, q, 3 * dim, dh, k, 3 * dim, dh, 0f, sc.offset(pp, (long) b * h * len * len), len, (long) len * len, h);
            }
            sc.launch("softmax_rows", nb * h * len, 1, 1, 256, 1, 0, pp, nb * h * len, len, scale);
            for (int b = 0; b < nb; b++) {
                Object v = sc.offset(pqkv, (long) b * len * 3 * dim + 2L * dim);
                sc.gemm(false, false, len, dh, len, 1f, sc.offset(pp, (long) b * h * len * len), len, (long) len * len,
                        v, 3 * dim, dh, 0f, sc.offset(po, (long) b * len * dim), dim, dh, h);
            }
        }
    }

    @Override
    public void attentionBackward(Tensor qkv, int heads, Tensor probs, Tensor dout, Tensor dqkv) {
        int[] s = shape(qkv, heads, probs, dout, "dout");
        GpuChecks.shape("attentionBackward", "dqkv [B,L,3·D]", dqkv, qkv.shape());
        int nb = s[0], len = s[1], h = s[2], dh = s[3], dim = h * dh;
        if (qkv.size == 0) return;
        float scale = (float) (1.0 / Math.sqrt(dh));
        try (KernelSession sc = device.open()) {
            Object pqkv = sc.in(qkv), pp = sc.in(probs), pdo = sc.in(dout);
            Object pdq = sc.inOut(dqkv);
            Object dp = sc.scratch((long) nb * h * len * len);   // [B,H,L,L] gradient of probs, then of the scores
            for (int b = 0; b < nb; b++) {
                long q0 = (long) b * len * 3 * dim;
                Object dO = sc.offset(pdo, (long) b * len * dim), v = sc.offset(pqkv, q0 + 2L * dim), pb = sc.offset(pp, (long) b * h * len * len);
                // dP_h = dO_h · v_hᵀ
                sc.gemm(false, true, len, len, dh, 1f, dO, dim, dh, v, 3 * dim, dh, 0f, sc.offset(dp, (long) b * h * len * len), len, (long) len * len, h);
                // dv_h += P_hᵀ · dO_h
                sc.gemm(true, false, len, dh, len, 1f, pb, len, (long) len * len, dO, dim, dh, 1f, sc.offset(pdq, q0 + 2L * dim), 3 * dim, dh, h);
            }
            sc.launch("softmax_rows_bwd", nb * h * len, 1, 1, 256, 1, 0, pp, dp, nb * h * len, len, scale);
            for (int b = 0; b < nb; b++) {
                long q0 = (long) b * len * 3 * dim;
                Object ds = sc.offset(dp, (long) b * h * len * len), q = sc.offset(pqkv, q0), k = sc.offset(pqkv, q0 + dim);
                // dq_h += dS_h · k_h ; dk_h += dS_hᵀ · q_h
                sc.gemm(false, false, len, dh, len, 1f, ds, len, (long) len * len, k, 3 * dim, dh, 1f, sc.offset(pdq, q0), 3 * dim, dh, h);
                sc.gemm(true, false, len, dh, len, 1f, ds, len, (long) len * len, q, 3 * dim, dh, 1f, sc.offset(pdq, q0 + dim), 3 * dim, dh, h);
            }
        }
    }


}
