package org.semivim.training.method;

/**
 * How a confidence o is compared with tau (R-S10): {@code ≥} for FixMatch, EMA-Teacher and ProbMixup
 * (their code), {@code >} for the Semi-ViM paths (Eq. 21). Compared in float32, as PyTorch compares
 * a float32 tensor with a Python float.
 */
public enum ConfidenceRule {
    AT_LEAST, ABOVE;

    public boolean passes(float confidence, double tau) {
        float t = (float) tau;
        return this == AT_LEAST ? confidence >= t : confidence > t;
    }
}
