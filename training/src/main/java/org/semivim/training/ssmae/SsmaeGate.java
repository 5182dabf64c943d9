package org.semivim.training.ssmae;

import org.semivim.engine.tensor.Tensor;

/**
 * SSMAE's validation-driven gate (ssl-spec.md §2.8, R-G1…R-G3): at the start of every epoch e ≥ W the
 * model's predictions on the held-out balanced VALIDATION split (never the test set, R-G1) decide
 * whether new pseudo-labels may be admitted during the whole epoch (R-G2):
 * <pre>
 *   HC = {x : max_c p(x)_c &gt; 0.95};  hc_acc = 100·#correct(HC)/|HC|  (0 when HC is empty)
 *   enabled = hc_acc ≥ 70.0                                          (R-G3)
 * </pre>
 * Before epoch W the gate is off and no validation pass is needed.
 */
public final class SsmaeGate {
    private SsmaeGate() {}

    /**
     * The gate for one epoch.
     *
     * @param epoch                 0-indexed epoch
     * @param evaluated             whether the validation predictions were looked at (e ≥ W)
     * @param enabled               whether admissions are allowed during this epoch
     * @param highConfidenceAccuracy hc_acc in percent (0 when not evaluated or HC empty)
     * @param highConfidenceCount   |HC|
     * @param validationCount       validation samples seen
     */
    public record Decision(long epoch, boolean evaluated, boolean enabled, double highConfidenceAccuracy, int highConfidenceCount,
                           int validationCount) {}

    /** Whether epoch {@code epoch} needs the validation predictions (e ≥ W). */
    public static boolean needsValidation(long epoch, SsmaeConfig config) {
        return epoch >= config.startEpoch();
    }

    /** The gate of an epoch before W: off, nothing evaluated. */
    public static Decision before(long epoch, SsmaeConfig config) {
        if (needsValidation(epoch, config)) throw new IllegalArgumentException("epoch " + epoch + " >= W = " + config.startEpoch() + " needs the validation predictions");
        return new Decision(epoch, false, false, 0, 0, 0);
    }

    /**
     * Decides the gate of {@code epoch} from the current model's validation probabilities [N, K]
     * (softmax rows, eval mode) and the validation labels [N]. Before W the inputs are ignored (may be null).
     */
    public static Decision decide(long epoch, Tensor validationProbabilities, int[] validationLabels, SsmaeConfig config) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        if (!needsValidation(epoch, config)) return before(epoch, config);
        if (validationProbabilities == null || validationProbabilities.rank() != 2) {
            throw new IllegalArgumentException("SSMAE gate: validation probabilities must be [N, K], got " + validationProbabilities);
        }
        int n = validationProbabilities.dim(0), classes = validationProbabilities.dim(1);
        if (validationLabels.length != n) {
            throw new IllegalArgumentException("SSMAE gate: " + n + " validation predictions but " + validationLabels.length + " labels");
        }
        int confident = 0, correct = 0;
        for (int r = 0; r < n; r++) {
            int base = validationProbabilities.offset + r * classes;
            int best = 0;
            for (int c = 1; c < classes; c++) if (validationProbabilities.data[base + c] > validationProbabilities.data[base + best]) best = c;
            if (!config.confident(validationProbabilities.data[base + best])) continue;
            confident++;
            if (best == validationLabels[r]) correct++;
        }
        double accuracy = confident == 0 ? 0.0 : 100.0 * correct / confident;   // the reference's 100.*correct/total
        return new Decision(epoch, true, accuracy >= config.gateThresholdPct(), accuracy, confident, n);
    }
}
