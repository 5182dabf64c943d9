package org.semivim.data.augment;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The geometric operations of the weak and strong augmentations on 8-bit grayscale images.
 * Flip and reflect-pad crop follow torchvision ({@code RandomHorizontalFlip},
 * {@code RandomCrop(padding, padding_mode="reflect")}); rotate, shear and translate follow Pillow
 * ({@code Image.rotate}, {@code Image.transform(AFFINE)}) with nearest-neighbour sampling and
 * black (0) fill; Cutout follows the FixMatch recipe of ssl-spec.md §1.2. Every method returns a
 * new image.
 */
public final class GeometryOps {
    private GeometryOps() {}

    /** Mirror left–right. */
    public static GrayImage flipHorizontal(GrayImage img) {
        GrayImage out = img.copy();
        for (int y = 0; y < img.height; y++) for (int x = 0; x < img.width; x++) out.set(x, y, img.get(img.width - 1 - x, y));
        return out;
    }

    /**
     * Reflect-pad by {@code pad} on every side (numpy/torch "reflect": the edge pixel is not
     * repeated) and crop the original size at ({@code top}, {@code left}) of the padded image,
     * each in 0..2·pad.
     */
    public static GrayImage reflectPadCrop(GrayImage img, int pad, int top, int left) {
        if (pad < 0 || pad >= img.width || pad >= img.height) {
            throw new IllegalArgumentException("reflect padding " + pad + " must be in [0, min(width, height)) for a " + img.width + "x" + img.height + " image");
        }
        if (top < 0 || top > 2 * pad || left < 0 || left > 2 * pad) {
            throw new IllegalArgumentException("crop offset (" + top + ", " + left + ") outside 0.." + 2 * pad);
        }
        GrayImage out = img.copy();
        for (int y = 0; y < img.height; y++) {
            int sy = reflect(y + top - pad, img.height);
            for (int x = 0; x < img.width; x++) out.set(x, y, img.get(reflect(x + left - pad, img.width), sy));
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * (n - 1) - i;
        return i;
    }

    /**
     * {@code Image.rotate(degrees)} (counter-clockwise, about the centre (w/2, h/2), same size,
     * nearest, black fill), including Pillow's fast paths: 0° copies, 180° and (on square images)
     * 90°/270° transpose exactly; other angles use the affine map Pillow builds, with its
     * coefficients rounded to 15 decimals as Pillow does.
     */
    public static GrayImage rotate(GrayImage img, double degrees) {
        double angle = degrees % 360.0;
        if (angle < 0) angle += 360.0;  // Python's % is non-negative for a positive modulus
        if (angle == 0) return img.copy();
        if (angle == 180) return transpose(img, 2);
        if ((angle == 90 || angle == 270) && img.width == img.height) return transpose(img, angle == 90 ? 1 : 3);
        double rad = -Math.toRadians(angle);  // Python's math.radians: angle·(π/180), same constant
        double a = round15(Math.cos(rad));
        double b = round15(Math.sin(rad));
        double d = round15(-Math.sin(rad));
        double e = round15(Math.cos(rad));
        double cx = img.width / 2.0;
        double cy = img.height / 2.0;
        double c = a * -cx + b * -cy + cx;
        double f = d * -cx + e * -cy + cy;
        return affine(img, a, b, c, d, e, f);
    }

    /** Quarter turns counter-clockwise (Pillow's ROTATE_90/180/270 transposes); 1 and 3 need a square image. */
    static GrayImage transpose(GrayImage img, int quarterTurns) {
        int w = img.width;
        int h = img.height;
        GrayImage out = img.copy();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = switch (quarterTurns) {
                    case 1 -> img.get(w - 1 - y, x);
                    case 2 -> img.get(w - 1 - x, h - 1 - y);
                    case 3 -> img.get(y, h - 1 - x);
                    default -> throw new IllegalArgumentException("quarter turns must be 1, 2 or 3, got " + quarterTurns);
                };
                out.set(x, y, v);
            }
        }
        return out;
    }

    /** {@code img.transform(size, AFFINE, (1, shear, 0, 0, 1, 0))}: ShearX of the RandAugment pool. */
    public static GrayImage shearX(GrayImage img, double shear) {
        return affine(img, 1, shear, 0, 0, 1, 0);
    }

    /** {@code img.transform(size, AFFINE, (1, 0, 0, shear, 1, 0))}: ShearY. */
    public static GrayImage shearY(GrayImage img, double shear) {
        return affine(img, 1, 0, 0, shear, 1, 0);
    }

    /** {@code img.transform(size, AFFINE, (1, 0, pixels, 0, 1, 0))}: output (x, y) shows input (x + pixels, y). */
    public static GrayImage translateX(GrayImage img, int pixels) {
        return affine(img, 1, 0, pixels, 0, 1, 0);
    }

    /** {@code img.transform(size, AFFINE, (1, 0, 0, 0, 1, pixels))}: output (x, y) shows input (x, y + pixels). */
    public static GrayImage translateY(GrayImage img, int pixels) {
        return affine(img, 1, 0, 0, 0, 1, pixels);
    }

    /**
     * Pillow's nearest-neighbour affine transform ({@code ImagingTransformAffine}, Pillow 9.4):
     * output pixel (x, y) samples input (floor(a·(x+½) + b·(y+½) + c), floor(d·(x+½) + e·(y+½) + f)),
     * or is 0 outside the input. To round borderline samples exactly as Pillow does, the arithmetic
     * follows Pillow's three paths: b = d = 0 (translation/scaling) in double; otherwise, when the
     * four corners map inside ±32768, 16.16 fixed point (coefficients rounded by
     * floor(v·65536 + 0.5), accumulated in int along rows and down columns); otherwise double,
     * accumulated the same way.
     */
    public static GrayImage affine(GrayImage img, double a, double b, double c, double d, double e, double f) {
        if (b == 0 && d == 0) return scaleAffine(img, a, c, e, f);
        int w = img.width;
        int h = img.height;
        if (fitsFixed(a, b, c, d, e, f, 0, 0) && fitsFixed(a, b, c, d, e, f, w, h)
                && fitsFixed(a, b, c, d, e, f, 0, h) && fitsFixed(a, b, c, d, e, f, w, 0)) {
            return affineFixed(img, a, b, c, d, e, f);
        }
        GrayImage out = GrayImage.blank(w, h, 0);
        double rowX = c + b * 0.5 + a * 0.5;
        double rowY = f + e * 0.5 + d * 0.5;
        for (int y = 0; y < h; y++) {
            double xx = rowX;
            double yy = rowY;
            for (int x = 0; x < w; x++) {
                int xin = coord(xx);
                int yin = coord(yy);
                if (xin >= 0 && xin < w && yin >= 0 && yin < h) out.set(x, y, img.get(xin, yin));
                xx += a;
                yy += d;
            }
            rowX += b;
            rowY += e;
        }
        return out;
    }

    /** Pillow's {@code ImagingScaleAffine}: separable nearest sampling, positions accumulated in double. */
    private static GrayImage scaleAffine(GrayImage img, double a, double c, double e, double f) {
        int w = img.width;
        int h = img.height;
        int[] sourceX = new int[w];  // [w], −1 where outside
        double xo = c + a * 0.5;
        for (int x = 0; x < w; x++) {
            int xin = coord(xo);
            sourceX[x] = xin >= 0 && xin < w ? xin : -1;
            xo += a;
        }
        GrayImage out = GrayImage.blank(w, h, 0);
        double yo = f + e * 0.5;
        for (int y = 0; y < h; y++) {
            int yin = coord(yo);
            if (yin >= 0 && yin < h) {
                for (int x = 0; x < w; x++) if (sourceX[x] >= 0) out.set(x, y, img.get(sourceX[x], yin));
            }
            yo += e;
        }
        return out;
    }

    /** Pillow's {@code affine_fixed}: 16.16 fixed point, sample index = accumulator &gt;&gt; 16. */
    private static GrayImage affineFixed(GrayImage img, double a, double b, double c, double d, double e, double f) {
        int w = img.width;
        int h = img.height;
        int a0 = fix(a);
        int a1 = fix(b);
        int a3 = fix(d);
        int a4 = fix(e);
        int a2 = fix(c + a * 0.5 + b * 0.5);
        int a5 = fix(f + d * 0.5 + e * 0.5);
        GrayImage out = GrayImage.blank(w, h, 0);
        for (int y = 0; y < h; y++) {
            int xx = a2;
            int yy = a5;
            for (int x = 0; x < w; x++) {
                int xin = xx >> 16;
                int yin = yy >> 16;
                if (xin >= 0 && xin < w && yin >= 0 && yin < h) out.set(x, y, img.get(xin, yin));
                xx += a0;
                yy += a3;
            }
            a2 += a1;
            a5 += a4;
        }
        return out;
    }

    private static boolean fitsFixed(double a, double b, double c, double d, double e, double f, int x, int y) {
        return Math.abs(x * a + y * b + c) < 32768.0 && Math.abs(x * d + y * e + f) < 32768.0;
    }

    /** Pillow's FIX: FLOOR(v·65536 + 0.5). */
    private static int fix(double v) {
        return (int) Math.floor(v * 65536.0 + 0.5);
    }

    /** Pillow's COORD: −1 for negative coordinates, else truncation. */
    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }

    /**
     * Cutout (ssl-spec.md §1.2): a {@code side × side} square centred at ({@code centreX},
     * {@code centreY}) (continuous coordinates), clipped at the borders, filled with {@code fill}.
     * The box is x ∈ [floor(cx − side/2), floor(cx − side/2) + side) ∩ [0, width), same for y.
     */
    public static GrayImage cutout(GrayImage img, double centreX, double centreY, int side, int fill) {
        int x0 = (int) Math.floor(centreX - side / 2.0);
        int y0 = (int) Math.floor(centreY - side / 2.0);
        int x1 = Math.min(img.width, x0 + side);
        int y1 = Math.min(img.height, y0 + side);
        GrayImage out = img.copy();
        for (int y = Math.max(0, y0); y < y1; y++) for (int x = Math.max(0, x0); x < x1; x++) out.set(x, y, fill);
        return out;
    }

    /** Python's round(v, 15): decimal rounding, half to even, of the exact binary value. */
    static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }
}
