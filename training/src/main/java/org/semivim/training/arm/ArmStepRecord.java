package org.semivim.training.arm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one ARM pre-training step did: the reconstruction loss, the learning rate, the global gradient
 * norm before clipping (NaN when not finite) and whether the step was skipped (non-finite loss or
 * gradient: nothing committed).
 */
public record ArmStepRecord(long step, double loss, double lr, double gradNorm, boolean skipped) {

    /** The JSON-lines fields (without "step"), NaN as null. */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", "arm");
        m.put("loss", finite(loss));
        m.put("lr", lr);
        m.put("grad_norm", finite(gradNorm));
        m.put("skipped", skipped);
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
