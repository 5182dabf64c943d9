package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Convolutions: the depthwise 1-D convolution of the Mamba mixer and the patch extraction of the patch embedding. */
public interface ConvOps {
    /**
     * Depthwise 1-D convolution along L, per channel e, zero padded. x, out [B,L,E]; w [E,K]; b [E].
     * Causal ({@code reverse = false}): {@code out_t = b + Σ_k w[k]·x_{t−(K−1)+k}}.
     * Anti-causal ({@code reverse = true}, the backward branch without flips, vim-spec.md §4):
     * {@code out_t = b + Σ_k w[k]·x_{t+(K−1)−k}}.
     */
    void depthwiseConv1dForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor out);

    /** Accumulates dx [B,L,E], dw [E,K], db [E] from dout [B,L,E]. */
    void depthwiseConv1dBackward(Tensor x, Tensor w, boolean reverse, Tensor dout, Tensor dx, Tensor dw, Tensor db);

    /**
     * Extracts patches (im2col for a p×p kernel with stride s, no padding). img [B,C,H,W] →
     * patches [B, M, C·p·p] with M = G·G row-major over the grid, G = (H − p)/s + 1, values in (c, kh, kw) order.
     */
    void patchify(Tensor img, int patch, int stride, Tensor patches);

    /** Adjoint of {@link #patchify}: accumulates dpatches [B,M,C·p·p] into dimg [B,C,H,W] (overlaps add). */
    void unpatchifyAccumulate(Tensor dpatches, int patch, int stride, Tensor dimg);
}
