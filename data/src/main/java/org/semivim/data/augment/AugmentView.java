package org.semivim.data.augment;

/** Which view of a sample to compute; the code is the last RNG coordinate (seed, step, sample, view). */
public enum AugmentView {
    /** No augmentation: normalisation only (evaluation). */
    EVAL(0),
    /** Flip + reflect-pad translate. */
    WEAK(1),
    /** Weak, then RandAugmentMC(n, m), then Cutout. */
    STRONG(2),
    /** A second, independent strong view (for methods that need two). */
    STRONG_2(3);

    public final int code;

    AugmentView(int code) {
        this.code = code;
    }
}
