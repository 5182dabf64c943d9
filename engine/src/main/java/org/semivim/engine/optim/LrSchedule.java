package org.semivim.engine.optim;

/**
 * A learning rate as a function of the optimizer step (0-based: the lr used by the step that
 * follows {@code step} completed steps).
 */
public sealed interface LrSchedule {

    /** The learning rate for step {@code step} (>= 0). */
    double at(long step);

    /** The same lr at every step (e.g. SSMAE's constant 1e-4). */
    static LrSchedule constant(double lr) {
        return new Constant(lr);
    }

    /**
     * Linear warm-up from 0 to {@code baseLr} over {@code warmupSteps}, then half a cosine from
     * {@code baseLr} down to {@code minLr} at {@code totalSteps}, and {@code minLr} after that.
     */
    static LrSchedule warmupCosine(double baseLr, double minLr, long warmupSteps, long totalSteps) {
        return new WarmupCosine(baseLr, minLr, warmupSteps, totalSteps);
    }

    record Constant(double lr) implements LrSchedule {
        public Constant {
            requireLr("lr", lr);
        }

        @Override
        public double at(long step) {
            requireStep(step);
            return lr;
        }
    }

    /**
     * The MAE / Semi-ViT {@code adjust_learning_rate} rule taken per step instead of per
     * fractional epoch:
     * <pre>
     *   step &lt; W:        base · step / W                                  (so step 0 has lr 0)
     *   W ≤ step &lt; T:    min + (base − min) · ½ · (1 + cos(π · (step − W) / (T − W)))
     *   step ≥ T:        min
     * </pre>
     */
    record WarmupCosine(double baseLr, double minLr, long warmupSteps, long totalSteps) implements LrSchedule {
        public WarmupCosine {
            requireLr("base lr", baseLr);
            requireLr("min lr", minLr);
            if (minLr > baseLr) throw new IllegalArgumentException("min lr " + minLr + " is larger than base lr " + baseLr);
            if (warmupSteps < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
            if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
            if (warmupSteps > totalSteps) {
                throw new IllegalArgumentException("warm-up steps " + warmupSteps + " exceed total steps " + totalSteps);
            }
        }

        @Override
        public double at(long step) {
            requireStep(step);
            if (step < warmupSteps) return baseLr * step / warmupSteps;
            if (step >= totalSteps) return minLr;
            double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            return minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
    }

    private static void requireLr(String what, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException(what + " must be finite and >= 0, got " + lr);
    }

    private static void requireStep(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
}
