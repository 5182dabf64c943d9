package org.semivim.training.mix;

import org.semivim.engine.tensor.Tensor;

/**
 * Mixed label-smoothed one-hot targets (R-S5, as Semi-ViT's ProbPseudoMixup target):
 * q = psi·smooth(onehot(a)) + (1 − psi)·smooth(onehot(b)), smooth: on = 1 − eps + eps/K, off = eps/K.
 * Computed in double, stored as float.
 */
final class SmoothedTargets {
    private SmoothedTargets() {}

    /** Writes q into row {@code row} of {@code targets} [R, K]. */
    static void writeMixed(Tensor targets, int row, int labelA, int labelB, double psi, double eps) {
        int classes = targets.dim(1);
        double off = eps / classes;
        double on = 1 - eps + off;
        int base = targets.offset + row * classes;
        for (int k = 0; k < classes; k++) {
            double q = off;
            if (k == labelA) q += psi * (on - off);
            if (k == labelB) q += (1 - psi) * (on - off);
            targets.data[base + k] = (float) q;
        }
    }
}
