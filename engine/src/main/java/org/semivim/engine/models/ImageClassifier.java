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

    /** The result of one forward pass; opaque apart from the logits. */
    interface Pass {
        /** logits [B, numClasses] */
        Tensor logits();
    }
}
