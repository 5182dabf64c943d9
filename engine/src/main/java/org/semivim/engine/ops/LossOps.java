package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Losses over rows of logits or predictions. Each returns the loss value and accumulates its gradient. */
public interface LossOps {
    /**
     * Softmax cross-entropy against soft targets: loss = Σ_r w_r · (−Σ_k t_rk · log softmax(logits_r)_k).
     * logits, targets, dlogits [R,K]; rowWeights [R] (e.g. 1/B, or mask/B for pseudo-labels).
     * Accumulates dlogits += w_r · (softmax_r · Σ_k t_rk − t_r); with Σ_k t_rk = 1 that is w_r·(softmax − t).
     * Stable for any finite logits (log-sum-exp after subtracting the row maximum).
     */
    double softmaxCrossEntropy(Tensor logits, Tensor targets, Tensor rowWeights, Tensor dlogits);

    /**
     * Mean squared error over selected rows: pred, target, dpred [R,P]; mask [R] with 1 for rows that
     * count and 0 otherwise. loss = Σ_r mask_r · Σ_p (pred−target)² / (P · Σ_r mask_r); 0 when no row counts.
     * Accumulates the gradient into dpred.
     */
    double maskedMse(Tensor pred, Tensor target, Tensor mask, Tensor dpred);
}
