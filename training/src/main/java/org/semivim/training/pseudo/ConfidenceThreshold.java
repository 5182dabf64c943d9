package org.semivim.training.pseudo;

/**
 * A confidence threshold tau with its comparison (R-S10): {@code ≥} where the reference code of the
 * method uses it (FixMatch, EMA-Teacher, ProbMixup), {@code >} on the Semi-ViM paths (Eq. 21:
 * LyapEMA's pseudo-label mask and SSMixup's filter). The confidence, a float32 probability, is
 * compared with tau rounded to float32, as PyTorch compares a float32 tensor with a Python float.
 */
public record ConfidenceThreshold(double tau, Comparison comparison) {

    /** How a confidence is compared with tau. */
    public enum Comparison {
        /** o ≥ tau (FixMatch, EMA-Teacher, ProbMixup code) */
        AT_LEAST,
        /** o &gt; tau (Semi-ViM Eq. 21) */
        ABOVE
    }

    public ConfidenceThreshold {
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("confidence threshold tau must be in [0, 1], got " + tau);
        if (comparison == null) throw new IllegalArgumentException("confidence threshold needs a comparison (>= or >)");
    }

    /** FixMatch: mask = [o ≥ tau] ([FM-g], USB). */
    public static ConfidenceThreshold fixMatch(double tau) {
        return new ConfidenceThreshold(tau, Comparison.AT_LEAST);
    }

    /** EMA-Teacher (Semi-ViT): mask = [o ≥ tau]. */
    public static ConfidenceThreshold emaTeacher(double tau) {
        return new ConfidenceThreshold(tau, Comparison.AT_LEAST);
    }

    /** ProbMixup (Semi-ViT): mask = [max(o_i, o_j) ≥ tau], applied after mixing. */
    public static ConfidenceThreshold probMixup(double tau) {
        return new ConfidenceThreshold(tau, Comparison.AT_LEAST);
    }

    /** Semi-ViM (LyapEMA pseudo-labels, SSMixup filter): [o &gt; tau] (Eq. 21). */
    public static ConfidenceThreshold semiVim(double tau) {
        return new ConfidenceThreshold(tau, Comparison.ABOVE);
    }

    /** Whether a confidence passes: compared in float32. */
    public boolean passes(float confidence) {
        float t = (float) tau;
        return comparison == Comparison.AT_LEAST ? confidence >= t : confidence > t;
    }
}
