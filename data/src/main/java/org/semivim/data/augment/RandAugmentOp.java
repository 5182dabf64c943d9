package org.semivim.data.augment;

/**
 * The 14-op FixMatch RandAugment pool ([FM-k] {@code fixmatch_augment_pool}, ssl-spec.md §1.2), in
 * the pool's order (an op is drawn by its index). Each op maps an integer level v ∈ 1..9 to its
 * magnitude the way [FM-k] does: float ops {@code v·max_v/10 + bias}, integer ops
 * {@code int(v·max_v/10) + bias}. Rotate, shear and translate also take a sign (negative with
 * probability ½, drawn by the caller).
 */
public enum RandAugmentOp {
    AUTO_CONTRAST(0, 0),
    BRIGHTNESS(0.9, 0.05),
    COLOR(0.9, 0.05),
    CONTRAST(0.9, 0.05),
    EQUALIZE(0, 0),
    IDENTITY(0, 0),
    POSTERIZE(4, 4),
    ROTATE(30, 0),
    SHARPNESS(0.9, 0.05),
    SHEAR_X(0.3, 0),
    SHEAR_Y(0.3, 0),
    SOLARIZE(256, 0),
    TRANSLATE_X(0.3, 0),
    TRANSLATE_Y(0.3, 0);

    /** [FM-k] PARAMETER_MAX: levels are fractions of 10. */
    public static final int PARAMETER_MAX = 10;

    public final double maxValue;
    public final double bias;

    RandAugmentOp(double maxValue, double bias) {
        this.maxValue = maxValue;
        this.bias = bias;
    }

    /** {@code _float_parameter(v, max_v) + bias}. */
    public double floatMagnitude(int level) {
        return (double) level * maxValue / PARAMETER_MAX + bias;
    }

    /** {@code _int_parameter(v, max_v) + bias}. */
    public int intMagnitude(int level) {
        return (int) (level * maxValue / PARAMETER_MAX) + (int) bias;
    }

    /** Applies the op at {@code level} (1..9); {@code negative} flips the sign of rotate/shear/translate. */
    public GrayImage apply(GrayImage img, int level, boolean negative) {
        return switch (this) {
            case AUTO_CONTRAST -> ToneOps.autoContrast(img);
            case BRIGHTNESS -> ToneOps.brightness(img, floatMagnitude(level));
            case COLOR -> ToneOps.color(img, floatMagnitude(level));
            case CONTRAST -> ToneOps.contrast(img, floatMagnitude(level));
            case EQUALIZE -> ToneOps.equalize(img);
            case IDENTITY -> img;
            case POSTERIZE -> ToneOps.posterize(img, intMagnitude(level));
            case ROTATE -> GeometryOps.rotate(img, negative ? -intMagnitude(level) : intMagnitude(level));
            case SHARPNESS -> ToneOps.sharpness(img, floatMagnitude(level));
            case SHEAR_X -> GeometryOps.shearX(img, negative ? -floatMagnitude(level) : floatMagnitude(level));
            case SHEAR_Y -> GeometryOps.shearY(img, negative ? -floatMagnitude(level) : floatMagnitude(level));
            case SOLARIZE -> ToneOps.solarize(img, 256 - intMagnitude(level));
            case TRANSLATE_X -> GeometryOps.translateX(img, translatePixels(level, negative, img.width));
            case TRANSLATE_Y -> GeometryOps.translateY(img, translatePixels(level, negative, img.height));
        };
    }

    /** {@code int(±v·0.3/10 · size)}: Python's int() truncates toward zero, so the sign does not change the size. */
    private int translatePixels(int level, boolean negative, int size) {
        double fraction = floatMagnitude(level);
        return (int) ((negative ? -fraction : fraction) * size);
    }
}
