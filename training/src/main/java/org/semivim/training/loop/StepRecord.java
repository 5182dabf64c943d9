package org.semivim.training.loop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Phase (7): what one step reports (ssl-spec.md §4.4 SSL diagnostics), handed to the
 * {@link StepListener}s (the JSONL log).
 *
 * @param step                 the step t (0-based) that was run
 * @param labeledEpoch         labeled epochs completed before this step (fractional)
 * @param lr                   the scheduled learning rate of the step
 * @param loss                 L = L_x + w_u·L_u
 * @param lossLabeled          L_x
 * @param lossUnlabeled        L_u (already divided by the full B_u); 0 without unlabeled data
 * @param maskRate             fraction of the unlabeled batch that passed the mask
 * @param pseudoAccuracyMasked accuracy of the pseudo-labels of the masked-in samples against their hidden
 *                             true labels; NaN when no sample passed
 * @param pseudoAccuracyAll    accuracy of the pseudo-labels of the whole unlabeled batch; NaN without unlabeled data
 * @param gradNorm             global gradient norm before clipping; NaN when not finite
 * @param skipped              true when a non-finite loss or gradient made the step commit nothing
 * @param methodFields         the method's fields (LyapEMA: α, d, V, s, λ, violated, still_violated), in order
 */
public record StepRecord(long step, double labeledEpoch, double lr, double loss, double lossLabeled, double lossUnlabeled,
                         double maskRate, double pseudoAccuracyMasked, double pseudoAccuracyAll, double gradNorm,
                         boolean skipped, Map<String, Object> methodFields) {

    public StepRecord {
        methodFields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methodFields));
    }

    /** The record as an ordered map for one JSON line; NaN becomes null. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("epoch", labeledEpoch);
        m.put("lr", lr);
        m.put("loss", finiteOrNull(loss));
        m.put("loss_x", finiteOrNull(lossLabeled));
        m.put("loss_u", finiteOrNull(lossUnlabeled));
        m.put("mask_rate", maskRate);
        m.put("pseudo_acc_masked", finiteOrNull(pseudoAccuracyMasked));
        m.put("pseudo_acc_all", finiteOrNull(pseudoAccuracyAll));
        m.put("grad_norm", finiteOrNull(gradNorm));
        m.put("skipped", skipped);
        m.putAll(methodFields);
        return m;
    }

    private static Object finiteOrNull(double x) {
        return Double.isFinite(x) ? x : null;
    }
}
