package org.semivim.training.eval;

/**
 * What the score matrix [N,K] given to {@link Evaluator} holds. Every argmax-based metric is the
 * same for both; average precision ranks samples by class probability, which is not a monotone
 * function of that class's logit alone, so logits are turned into softmax probabilities first.
 */
public enum ScoreKind {
    LOGITS,
    PROBABILITIES
}
