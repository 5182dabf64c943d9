package org.semivim.engine.models;

import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * What every backbone offers the training code: a forward pass from images to logits that keeps
 * what its backward needs, and a backward that accumulates parameter gradients. Implemented by
 * {@code VisionMamba} and {@code VisionTransformer}.
 */
public interface ImageClassifier {

    /** The model's parameters (values and gradients), in official state-dict order. */
    ParameterSet parameters();

    int numClasses();

    /** Input shape [C, H, W] this model expects per image. */
    int[] inputShape();

    /** images [B,C,H,W] → a pass holding logits [B,K] and the activations the backward needs. */
    Pass forward(Tensor images, ForwardMode mode);

    /**
     * Accumulates ∂loss/∂θ into {@code parameters()} gradients, given dLogits = ∂loss/∂logits [B,K]
     * of {@code pass}. When {@code dImages} [B,C,H,W] is not null, ∂loss/∂images is accumulated into it.
     */
    void backward(Pass pass, Tensor dLogits, Tensor dImages);

    /**
     * Says that {@code pass} is no longer needed: the model may reuse its saved activations for later
     * forward passes, so the pass must not be given to {@link #backward} afterwards (its logits stay
     * valid). Optional: a pass that is never released is simply garbage collected. The default keeps
     * nothing for reuse.
     */
    default void release(Pass pass) {}

    /** The result of one forward pass; opaque apart from the logits. */
    interface Pass {
        /** logits [B, numClasses] */
        Tensor logits();
    }
}
