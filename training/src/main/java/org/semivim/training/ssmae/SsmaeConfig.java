package org.semivim.training.ssmae;

/**
 * SSMAE's gating and admission settings ([SSMAE-code] {@code main.py}, ssl-spec.md §2.8, R-G1…R-G7).
 *
 * @param startEpoch          W: the gate is evaluated only from epoch W on (0-indexed; 10)
 * @param confidenceThreshold a prediction is high-confidence when its max probability is &gt; this (0.95)
 * @param gateThresholdPct    the gate opens when the validation high-confidence accuracy is ≥ this percentage (70.0)
 * @param classificationWeight w_cls in L = L_mae + w_cls·L_cls (1.0)
 */
public record SsmaeConfig(long startEpoch, double confidenceThreshold, double gateThresholdPct, double classificationWeight) {

    public SsmaeConfig {
        if (startEpoch < 0) throw new IllegalArgumentException("SSMAE gate start epoch W must be >= 0, got " + startEpoch);
        if (!(confidenceThreshold >= 0 && confidenceThreshold < 1)) {
            throw new IllegalArgumentException("SSMAE confidence threshold must be in [0, 1), got " + confidenceThreshold);
        }
        if (!(gateThresholdPct >= 0 && gateThresholdPct <= 100)) {
            throw new IllegalArgumentException("SSMAE gate threshold is a percentage in [0, 100], got " + gateThresholdPct);
        }
        if (!(classificationWeight >= 0) || Double.isInfinite(classificationWeight)) {
            throw new IllegalArgumentException("SSMAE classification weight must be finite and >= 0, got " + classificationWeight);
        }
    }

    /** The authors' values: W = 10, confidence &gt; 0.95, gate ≥ 70%, w_cls = 1. */
    public static SsmaeConfig defaults() {
        return new SsmaeConfig(10, 0.95, 70.0, 1.0);
    }

    /** Whether a probability is high-confidence: strictly above the threshold, compared in float32 like the reference's tensors. */
    boolean confident(float probability) {
        return probability > (float) confidenceThreshold;
    }
}
