package org.semivim.data.augment;

/**
 * The pixel-value operations of the FixMatch RandAugment pool on 8-bit grayscale images, with
 * Pillow's exact integer semantics (each method names the Pillow function it mirrors):
 * look-up tables computed the way {@code PIL.ImageOps} computes them, and the blends of
 * {@code PIL.ImageEnhance} done as Pillow's C {@code ImagingBlend} does them (float arithmetic,
 * truncation, clipping to 0..255). Every method returns a new image.
 */
public final class ToneOps {
    private ToneOps() {}

    /** {@code ImageOps.autocontrast(img)} (cutoff 0): stretch [lo, hi] to [0, 255]; identity when hi ≤ lo. */
    public static GrayImage autoContrast(GrayImage img) {
        int[] h = img.histogram();
        int lo = 0;
        while (lo < 256 && h[lo] == 0) lo++;
        int hi = 255;
        while (hi >= 0 && h[hi] == 0) hi--;
        int[] lut = new int[256];
        if (hi <= lo) {
            for (int i = 0; i < 256; i++) lut[i] = i;
        } else {
            double scale = 255.0 / (hi - lo);
            double offset = -lo * scale;
            for (int i = 0; i < 256; i++) lut[i] = clip255((int) (i * scale + offset));
        }
        return img.mapped(lut);
    }

    /**
     * {@code ImageOps.equalize(img)}: step = (number of pixels − count of the last non-empty bin) div 256;
     * identity when fewer than two bins are used or step is 0; otherwise
     * lut[i] = (step div 2 + Σ_{j&lt;i} h[j]) div step, clipped to 255 as {@code Image.point} does.
     */
    public static GrayImage equalize(GrayImage img) {
        int[] h = img.histogram();
        int used = 0;
        int total = 0;
        int last = 0;
        for (int i = 0; i < 256; i++) {
            if (h[i] != 0) {
                used++;
                last = h[i];
                total += h[i];
            }
        }
        int[] lut = new int[256];
        int step = used <= 1 ? 0 : (total - last) / 256;
        if (step == 0) {
            for (int i = 0; i < 256; i++) lut[i] = i;
        } else {
            int n = step / 2;
            for (int i = 0; i < 256; i++) {
                lut[i] = clip255(n / step);
                n += h[i];
            }
        }
        return img.mapped(lut);
    }

    /** {@code ImageOps.posterize(img, bits)}: keep the top {@code bits} bits of every value (1..8). */
    public static GrayImage posterize(GrayImage img, int bits) {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("posterize bits must be in 1..8, got " + bits);
        int mask = ~((1 << (8 - bits)) - 1) & 0xff;
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i & mask;
        return img.mapped(lut);
    }

    /** {@code ImageOps.solarize(img, threshold)}: values ≥ threshold are inverted (255 − v). */
    public static GrayImage solarize(GrayImage img, int threshold) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i < threshold ? i : 255 - i;
        return img.mapped(lut);
    }

    /** {@code ImageEnhance.Brightness(img).enhance(factor)}: blend with a black image. */
    public static GrayImage brightness(GrayImage img, double factor) {
        return blend(GrayImage.blank(img.width, img.height, 0), img, factor);
    }

    /** {@code ImageEnhance.Color}: for a grayscale image the degenerate image is the image itself, so this is the identity. */
    public static GrayImage color(GrayImage img, double factor) {
        return blend(img, img, factor);
    }

    /** {@code ImageEnhance.Contrast(img).enhance(factor)}: blend with a flat image of the rounded mean, int(mean + 0.5). */
    public static GrayImage contrast(GrayImage img, double factor) {
        long sum = 0;
        for (byte b : img.pixels) sum += b & 0xff;
        int mean = (int) ((double) sum / img.pixels.length + 0.5);
        return blend(GrayImage.blank(img.width, img.height, mean), img, factor);
    }

    /** {@code ImageEnhance.Sharpness(img).enhance(factor)}: blend with {@link #smooth}. */
    public static GrayImage sharpness(GrayImage img, double factor) {
        return blend(smooth(img), img, factor);
    }

    /**
     * {@code img.filter(ImageFilter.SMOOTH)}: 3×3 kernel [1 1 1; 1 5 1; 1 1 1]/13 on the interior, as
     * Pillow's {@code ImagingFilter3x3} (float kernel 1/13 and 5/13, +0.5 then truncation; rows
     * summed in the order y+1, y, y−1); the border rows and columns are copied unchanged.
     */
    public static GrayImage smooth(GrayImage img) {
        GrayImage out = img.copy();
        if (img.width < 3 || img.height < 3) return out;
        float[] k = {1f / 13f, 1f / 13f, 1f / 13f, 1f / 13f, 5f / 13f, 1f / 13f, 1f / 13f, 1f / 13f, 1f / 13f};
        for (int y = 1; y < img.height - 1; y++) {
            for (int x = 1; x < img.width - 1; x++) {
                float ss = 0.5f;
                ss += rowTap(img, x, y + 1, k, 0);
                ss += rowTap(img, x, y, k, 3);
                ss += rowTap(img, x, y - 1, k, 6);
                out.set(x, y, clip8(ss));
            }
        }
        return out;
    }

    private static float rowTap(GrayImage img, int x, int y, float[] k, int at) {
        return img.get(x - 1, y) * k[at] + img.get(x, y) * k[at + 1] + img.get(x + 1, y) * k[at + 2];
    }

    /**
     * {@code Image.blend(degenerate, img, factor)} as Pillow's C code: out = clip(trunc(d + f·(v − d)))
     * computed in float, with the factor rounded to float as Pillow's argument parsing does.
     */
    static GrayImage blend(GrayImage degenerate, GrayImage img, double factor) {
        float alpha = (float) factor;
        byte[] out = new byte[img.pixels.length];
        for (int i = 0; i < out.length; i++) {
            int d = degenerate.pixels[i] & 0xff;
            int v = img.pixels[i] & 0xff;
            out[i] = (byte) clip8(d + alpha * (v - d));
        }
        return new GrayImage(img.width, img.height, out);
    }

    /** Pillow's clip8: ≤ 0 → 0, ≥ 255 → 255, else truncation toward zero. */
    static int clip8(float v) {
        if (v <= 0f) return 0;
        if (v >= 255f) return 255;
        return (int) v;
    }

    private static int clip255(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
