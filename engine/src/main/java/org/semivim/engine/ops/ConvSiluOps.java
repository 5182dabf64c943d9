package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The Mamba branch's depthwise conv1d and the SiLU after it as one pass over the token rows, for
 * {@link ConvOps} backends that offer it (an optional capability: {@link CpuConvOps} and
 * {@link ReferenceConvOps}; a backend without it runs {@link ConvOps#depthwiseConv1dForward} and
 * {@link ElementwiseOps#siluForward} in turn, see {@code models/MambaBranch}). The fused forward
 * applies SiLU to a row of pre while it is still in L1, and the fused backward forms
 * ∂L/∂pre = SiLU′(pre) ⊙ du one row at a time, so the [B,L,E] ∂L/∂pre tensor is never stored.
 *
 * <p>The fast path gives exactly the bits of its backend's conv followed by its SiLU (the same
 * float operations on the same values; ConvOpsTest).
 */
public interface ConvSiluOps {
    /**
     * pre = conv1d(x) as {@link ConvOps#depthwiseConv1dForward} and u = SiLU(pre) of the stored pre;
     * x, pre, u [B,L,E] (pre and u overwritten, distinct), w [E,K], b [E].
     */
    void depthwiseConv1dSiluForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor pre, Tensor u);

    /**
     * Accumulates dx [B,L,E], dw [E,K], db [E] of the conv1d given du = ∂L/∂u [B,L,E] and the forward's
     * pre [B,L,E]: the conv backward of ∂L/∂pre = SiLU′(pre) ⊙ du.
     */
    void depthwiseConv1dSiluBackward(Tensor x, Tensor w, Tensor pre, boolean reverse, Tensor du, Tensor dx, Tensor dw, Tensor db);

    /**
     * u = SiLU(conv1d(x)) [B,L,E] without keeping pre: each pre row lives only while its SiLU is taken
     * (the backward recomputes it, {@link #depthwiseConv1dSiluBackwardFromInput}). The default composes
     * {@link #depthwiseConv1dSiluForward} with a new pre tensor.
     */
    default void depthwiseConv1dSiluOutput(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor u) {
        Tensor pre = Tensor.zeros(u.shape());
        depthwiseConv1dSiluForward(x, w, b, reverse, pre, u);
    }

    /**
     * {@link #depthwiseConv1dSiluBackward} with pre = conv1d(x) + b recomputed from the input (the same
     * operations as the forward, so the same pre), for a forward run by {@link #depthwiseConv1dSiluOutput}:
     * accumulates dx, dw, db. The default recomputes pre into new tensors with
     * {@link #depthwiseConv1dSiluForward}, then runs {@link #depthwiseConv1dSiluBackward}.
     */
    default void depthwiseConv1dSiluBackwardFromInput(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor du, Tensor dx,
                                                      Tensor dw, Tensor db) {
        Tensor pre = Tensor.zeros(du.shape()), u = Tensor.zeros(du.shape());
        depthwiseConv1dSiluForward(x, w, b, reverse, pre, u);
        depthwiseConv1dSiluBackward(x, w, pre, reverse, du, dx, dw, db);
    }
}
