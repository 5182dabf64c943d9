package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Pointwise activations; backward accumulates into dx. All tensors have the same size. */
public interface ElementwiseOps {
    /** y = x · σ(x). */
    void siluForward(Tensor x, Tensor y);

    void siluBackward(Tensor x, Tensor dy, Tensor dx);

    /** Exact GELU: y = x · Φ(x) (torch nn.GELU default, erf form). */
    void geluForward(Tensor x, Tensor y);

    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /** softplus with the torch threshold: x &gt; 20 → x, else log1p(exp(x)) (vim-spec.md §5). */
    void softplusForward(Tensor x, Tensor y);

    void softplusBackward(Tensor x, Tensor dy, Tensor dx);
}
