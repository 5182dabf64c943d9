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

    /**
     * {@link #selectiveScanForward} with dt_proj folded in: Δraw = dtr·W_dtᵀ, dtr [B,L,R], dtWeight [E,R]
     * (vim-spec.md §4: dt_proj without its bias, which enters as deltaBias). A backend that
     * {@link #projectsDelta() projects inside} forms Δraw a sample at a time and never stores the
     * [B,L,E] tensor; the default composes the existing ops: {@code gemm} into a new [B,L,E] tensor,
     * then {@link #selectiveScanForward}. {@code y} may be null when only the gated output g = y ⊙ SiLU(z)
     * is wanted. out = g, or with {@code addToOut} out = (out + g)·outScale (the bimamba merge of the
     * second direction, vim-spec.md §4: (out^f + out^b)/2 with outScale ½), rounded as that expression.
     */
    default void selectiveScanForwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                               Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                               Tensor y, Tensor out, boolean addToOut, float outScale) {
        Tensor deltaRaw = ScanShape.projectedDeltaRaw(gemm, "selectiveScanForwardProjected", u, dtr, dtWeight);
        Tensor yOut = y != null ? y : Tensor.zeros(u.shape());
        Tensor gated = addToOut ? Tensor.zeros(u.shape()) : out;
        selectiveScanForward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, yOut, gated);
        if (addToOut) {
            for (int i = 0; i < out.size; i++) out.data[out.offset + i] = (out.data[out.offset + i] + gated.data[gated.offset + i]) * outScale;
        }
    }

    /**
     * Backward of {@link #selectiveScanForwardProjected}: as {@link #selectiveScanBackward}, but instead of
     * dDeltaRaw it accumulates dDtr [B,L,R] (+= dΔraw·W_dt) and dDtWeight [E,R] (+= dΔrawᵀ·dtr). The
     * default recomputes Δraw with {@code gemm}, runs {@link #selectiveScanBackward} into a zeroed
     * dΔraw and applies the two products with {@code gemm}.
     */
    default void selectiveScanBackwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                                Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                                Tensor dOut, Tensor dReadout, Tensor du, Tensor dDtr, Tensor dDtWeight,
                                                Tensor dDeltaBias, Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackwardProjected";
        Tensor deltaRaw = ScanShape.projectedDeltaRaw(gemm, op, u, dtr, dtWeight);
        ConvShape.need(dDtr, op + ": dDtr").requireShape(op + ": dDtr", dtr.shape());
        ConvShape.need(dDtWeight, op + ": dDtWeight").requireShape(op + ": dDtWeight", dtWeight.shape());
        Tensor dDeltaRaw = Tensor.zeros(u.shape());
        selectiveScanBackward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, dOut, dReadout,
                du, dDeltaRaw, dDeltaBias, dALog, dBm, dCm, dD, dz);
        gemm.gemm(true, false, 1f, dDeltaRaw, dtr, 1f, dDtWeight);
        gemm.gemm(false, false, 1f, dDeltaRaw, dtWeight, 1f, dDtr);
    }

    /**
     * True when {@link #selectiveScanForwardProjected} and {@link #selectiveScanBackwardProjected} form
     * Δraw inside (no [B,L,E] Δraw or dΔraw tensor): a model then keeps only dtr for the backward. False
     * by default: a backend that does not override them is better served by the separate ops.
     */
    default boolean projectsDelta() {
        return false;
    }
}
