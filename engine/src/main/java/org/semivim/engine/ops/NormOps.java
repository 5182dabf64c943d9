package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * Normalisation over the last dimension. Convention for every backward in the engine: input and
 * parameter gradients are <b>accumulated</b> ({@code +=}) into the tensors given, as in llm.c.
 */
public interface NormOps {
    /** RMSNorm: {@code y = x · rstd · w}, rstd = (mean(x²) + eps)^-½. x, y [R,D]; w [D]; rstd [R] (saved for backward). */
    void rmsNormForward(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd);

    /** Accumulates dx [R,D] and dw [D] from dy [R,D], using x, w and the saved rstd [R]. */
    void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw);

    /** LayerNorm: {@code y = (x − mean) · rstd · w + b}. x, y [R,D]; w, b [D]; mean, rstd [R] (saved). */
    void layerNormForward(Tensor x, Tensor w, Tensor b, float eps, Tensor y, Tensor mean, Tensor rstd);

    /** Accumulates dx [R,D], dw [D], db [D] from dy [R,D]. */
    void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dw, Tensor db);
}
