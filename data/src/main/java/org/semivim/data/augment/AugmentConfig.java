package org.semivim.data.augment;

/**
 * Parameters of the FixMatch weak/strong recipe (ssl-spec.md §1.2), for images of
 * {@code size × size}: flip probability ½, reflect padding int(size·0.125), RandAugmentMC with
 * {@code ops} ops per image at levels 1..{@code magnitude}−1, each applied with probability ½,
 * then a Cutout square of side int(size·0.5) filled with grey {@code cutoutFill}.
 */
public record AugmentConfig(int size, int padding, int ops, int magnitude, int cutoutSide, int cutoutFill) {

    public AugmentConfig {
        if (size < 2) throw new IllegalArgumentException("image size must be at least 2, got " + size);
        if (padding < 0 || padding >= size) throw new IllegalArgumentException("padding must be in [0, " + size + "), got " + padding);
        if (ops < 1) throw new IllegalArgumentException("RandAugment needs at least 1 op, got " + ops);
        if (magnitude < 2 || magnitude > RandAugmentOp.PARAMETER_MAX) {
            throw new IllegalArgumentException("RandAugment magnitude m must be in 2..10 (levels are drawn from 1..m-1), got " + magnitude);
        }
        if (cutoutSide < 0) throw new IllegalArgumentException("cutout side must be >= 0, got " + cutoutSide);
        if (cutoutFill < 0 || cutoutFill > 255) throw new IllegalArgumentException("cutout fill must be in 0..255, got " + cutoutFill);
    }

    /** The recipe for {@code size × size} images: padding int(size·0.125), n = 2, m = 10, cutout int(size·0.5), grey 127. */
    public static AugmentConfig fixMatch(int size) {
        return new AugmentConfig(size, (int) (size * 0.125), 2, 10, (int) (size * 0.5), 127);
    }
}
