package org.semivim.data.io;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An in-memory labelled image set: {@code count} images of {@code channels × height × width}
 * unsigned bytes (0..255), channel-planar, stored back to back in one byte[] (shape
 * [count, channels, height, width]), and one integer label per image in [0, numClasses).
 *
 * <p>Pixels stay bytes (60 000 Fashion-MNIST images are 47 MB) until augmentation and
 * normalisation turn a batch into a float Tensor.
 */
public final class ImageDataset {
    private final String name;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final byte[] pixels;   // [count, channels, height, width], unsigned
    private final int[] labels;    // [count]
    private final List<String> classNames;

    public ImageDataset(String name, int channels, int height, int width, byte[] pixels, int[] labels, List<String> classNames) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException(name + ": channels must be 1 or 3, got " + channels);
        if (height < 1 || width < 1) throw new IllegalArgumentException(name + ": image size must be positive, got " + height + "x" + width);
        if (classNames.isEmpty()) throw new IllegalArgumentException(name + ": at least one class name is needed");
        long imageSize = (long) channels * height * width;
        if (pixels.length != labels.length * imageSize) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels need " + labels.length * imageSize
                    + " pixel bytes (" + channels + "x" + height + "x" + width + " each) but " + pixels.length + " were given");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i
                        + " is outside [0, " + classNames.size() + ")");
            }
        }
        this.name = name;
        this.count = labels.length;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.classNames = List.copyOf(classNames);
    }

    /** Class names "0", "1", ... for data sets that have no names. */
    public static List<String> numberedClasses(int numClasses) {
        List<String> names = new ArrayList<>(numClasses);
        for (int k = 0; k < numClasses; k++) names.add(Integer.toString(k));
        return names;
    }

    public String name() {
        return name;
    }

    public int count() {
        return count;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int imageSize() {
        return channels * height * width;
    }

    public int numClasses() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    public int label(int index) {
        return labels[checkIndex(index)];
    }

    /** Unsigned value (0..255) of pixel (channel, y, x) of image {@code index}. */
    public int pixel(int index, int channel, int y, int x) {
        return pixels[checkIndex(index) * imageSize() + (channel * height + y) * width + x] & 0xff;
    }

    /** Copies image {@code index} (channel-planar bytes) into {@code dst} at {@code dstOffset}. */
    public void copyImage(int index, byte[] dst, int dstOffset) {
        System.arraycopy(pixels, checkIndex(index) * imageSize(), dst, dstOffset, imageSize());
    }

    /** A copy of image {@code index} as channel-planar bytes. */
    public byte[] image(int index) {
        byte[] out = new byte[imageSize()];
        copyImage(index, out, 0);
        return out;
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** Images per class, [numClasses]. */
    public int[] countsPerClass() {
        int[] counts = new int[numClasses()];
        for (int y : labels) counts[y]++;
        return counts;
    }

    /** The indices of the images of class {@code k}, ascending. */
    public int[] indicesOfClass(int k) {
        if (k < 0 || k >= numClasses()) throw new IllegalArgumentException(name + ": class " + k + " outside [0, " + numClasses() + ")");
        int[] out = new int[count];
        int n = 0;
        for (int i = 0; i < count; i++) if (labels[i] == k) out[n++] = i;
        return Arrays.copyOf(out, n);
    }

    /** SHA-256 of the labels (as big-endian ints): a cheap fingerprint that a split belongs to this data. */
    public String labelsDigest() {
        ByteBuffer buf = ByteBuffer.allocate(4 * count);
        for (int y : labels) buf.putInt(y);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException(name + ": image " + index + " outside [0, " + count + ")");
        return index;
    }

    @Override
    public String toString() {
        return name + " (" + count + " images, " + channels + "x" + height + "x" + width + ", " + numClasses() + " classes)";
    }
}
