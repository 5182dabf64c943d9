package org.semivim.data.augment;

import java.util.Arrays;

/**
 * A one-channel 8-bit image: {@code height × width} unsigned bytes, row-major. Augmentation works
 * on these bytes (as PIL does on "L" images), so the point operations (posterize, solarize,
 * equalize, autocontrast, …) have exactly PIL's integer semantics; conversion to normalised floats
 * happens once, at the end ({@link Normalization}).
 */
public final class GrayImage {
    public final int width;
    public final int height;
    final byte[] pixels;   // [height, width], unsigned

    public GrayImage(int width, int height, byte[] pixels) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (pixels.length != width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image needs " + width * height + " pixels, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    public static GrayImage blank(int width, int height, int value) {
        byte[] p = new byte[width * height];
        Arrays.fill(p, (byte) value);
        return new GrayImage(width, height, p);
    }

    /** An image from unsigned values given row by row (for tests and small examples). */
    public static GrayImage of(int[][] rows) {
        int h = rows.length;
        int w = rows[0].length;
        byte[] p = new byte[w * h];
        for (int y = 0; y < h; y++) {
            if (rows[y].length != w) throw new IllegalArgumentException("row " + y + " has " + rows[y].length + " values, expected " + w);
            for (int x = 0; x < w; x++) {
                if (rows[y][x] < 0 || rows[y][x] > 255) throw new IllegalArgumentException("pixel value " + rows[y][x] + " outside 0..255");
                p[y * w + x] = (byte) rows[y][x];
            }
        }
        return new GrayImage(w, h, p);
    }

    /** Unsigned value at (x, y). */
    public int get(int x, int y) {
        return pixels[y * width + x] & 0xff;
    }

    void set(int x, int y, int value) {
        pixels[y * width + x] = (byte) value;
    }

    public GrayImage copy() {
        return new GrayImage(width, height, pixels.clone());
    }

    /** A copy of the pixels, row-major. */
    public byte[] toBytes() {
        return pixels.clone();
    }

    /** The rows as unsigned ints (for tests and messages). */
    public int[][] toRows() {
        int[][] rows = new int[height][width];
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) rows[y][x] = get(x, y);
        return rows;
    }

    /** 256-bin histogram. */
    int[] histogram() {
        int[] h = new int[256];
        for (byte b : pixels) h[b & 0xff]++;
        return h;
    }

    /** A new image with {@code lut} applied to every pixel. */
    GrayImage mapped(int[] lut) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) lut[pixels[i] & 0xff];
        return new GrayImage(width, height, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrayImage g && g.width == width && g.height == height && Arrays.equals(g.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "GrayImage[" + width + "x" + height + "]";
    }
}
