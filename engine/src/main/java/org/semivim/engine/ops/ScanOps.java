package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The selective scan of one Mamba direction, gate included (vim-spec.md §4–§5, §10.1).
 * Shapes: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; deltaBias, d [E]; aLog [E,N].
 * <pre>
 * Δ_t = softplus(deltaRaw_t + deltaBias),  A = −exp(aLog)
 * h_t = exp(Δ_t ⊙ A) ⊙ h_prev + (Δ_t ⊙ u_t) ⊗ B_t      h before the first step = 0
 * y_t = C_t · h_t + d ⊙ u_t                           (pre-gate output; r_t = y_t − d ⊙ u_t is the readout)
 * out_t = y_t ⊙ SiLU(z_t)
 * </pre>
 * {@code reverse = false} processes t = 0..L−1 (h_prev = h_{t−1}); {@code reverse = true} processes
 * t = L−1..0 (h_prev = h_{t+1}), which is the backward branch in original token order.
 */
public interface ScanOps {
    void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                              Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out);

    /**
     * Backward of {@link #selectiveScanForward}. dOut [B,L,E] is ∂L/∂out; dReadout [B,L,E] (may be
     * null) is an extra ∂L/∂r_t added to the readout gradient (SSMixup, vim-spec.md §11) — it reaches
     * dC and the state recurrence but not dD, dz or the d⊙u part of du. Accumulates du, dDeltaRaw,
     * dz [B,L,E], dBm, dCm [B,L,N], dDeltaBias, dD [E], dALog [E,N]. States are recomputed, not stored.
     */
    void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                               Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                               Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog,
                               Tensor dBm, Tensor dCm, Tensor dD, Tensor dz);
}
