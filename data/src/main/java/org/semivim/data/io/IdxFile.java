package org.semivim.data.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of the IDX format (LeCun's MNIST files, also used by Fashion-MNIST), raw or gzip-compressed
 * (detected from the gzip magic bytes, not from the file name).
 *
 * <p>Layout: a 4-byte magic {@code 0x00 0x00 type ndims}, then ndims big-endian int32 dimensions,
 * then the values in row-major order. Only type 0x08 (unsigned byte) is supported, which is what
 * image and label files use: images are {@code 0x00000803} [count, rows, cols], labels
 * {@code 0x00000801} [count]. Every problem is a {@link DatasetFormatException} that names the file.
 */
public final class IdxFile {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    private static final int UNSIGNED_BYTE = 0x08;

    private final Path file;
    private final byte[] content;  // the decompressed file: header + values
    private final int[] dims;
    private final int headerLength;

    private IdxFile(Path file, byte[] content, int[] dims, int headerLength) {
        this.file = file;
        this.content = content;
        this.dims = dims;
        this.headerLength = headerLength;
    }

    /** Reads and checks a file holding {@code [count, rows, cols]} unsigned bytes. */
    public static IdxFile readImages(Path file) throws IOException {
        return read(file, IMAGES_MAGIC, "images ([count, rows, cols] unsigned bytes)");
    }

    /** Reads and checks a file holding {@code [count]} unsigned bytes. */
    public static IdxFile readLabels(Path file) throws IOException {
        return read(file, LABELS_MAGIC, "labels ([count] unsigned bytes)");
    }

    private static IdxFile read(Path file, int expectedMagic, String expectedKind) throws IOException {
        byte[] content = readDecompressed(file);
        if (content.length < 4) {
            throw new DatasetFormatException(file, "file too short for an IDX header: " + content.length + " bytes");
        }
        int magic = intAt(content, 0);
        if (magic != expectedMagic) {
            String found = (content[0] != 0 || content[1] != 0 || (content[2] & 0xff) != UNSIGNED_BYTE)
                    ? "which is not an unsigned-byte IDX header" : "an unsigned-byte IDX file with " + content[3] + " dimensions";
            throw new DatasetFormatException(file, String.format("bad magic number 0x%08X (%s); expected 0x%08X for %s",
                    magic, found, expectedMagic, expectedKind));
        }
        int ndims = content[3];
        int headerLength = 4 + 4 * ndims;
        if (content.length < headerLength) {
            throw new DatasetFormatException(file, "truncated header: " + ndims + " dimensions need " + headerLength
                    + " header bytes but the file has " + content.length);
        }
        int[] dims = new int[ndims];
        long expectedValues = 1;
        for (int d = 0; d < ndims; d++) {
            dims[d] = intAt(content, 4 + 4 * d);
            if (dims[d] <= 0) throw new DatasetFormatException(file, "dimension " + d + " is " + dims[d] + " (must be positive)");
            expectedValues *= dims[d];
            if (expectedValues > Integer.MAX_VALUE - headerLength) {
                throw new DatasetFormatException(file, "dimensions " + Arrays.toString(Arrays.copyOf(dims, d + 1)) + " are too large");
            }
        }
        long actualValues = content.length - headerLength;
        if (actualValues < expectedValues) {
            throw new DatasetFormatException(file, "truncated: dimensions " + Arrays.toString(dims) + " need " + expectedValues
                    + " value bytes after the " + headerLength + "-byte header but only " + actualValues + " are present");
        }
        if (actualValues > expectedValues) {
            throw new DatasetFormatException(file, (actualValues - expectedValues) + " unexpected bytes after the "
                    + expectedValues + " values of dimensions " + Arrays.toString(dims));
        }
        return new IdxFile(file, content, dims, headerLength);
    }

    /** The whole file, gunzipped when it starts with the gzip magic 1F 8B. */
    static byte[] readDecompressed(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(file, "file not found", e);
        }
        if (raw.length < 2 || (raw[0] & 0xff) != 0x1f || (raw[1] & 0xff) != 0x8b) return raw;
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw), 1 << 16)) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "truncated gzip stream (the compressed file ends early)", e);
        } catch (ZipException e) {
            throw new DatasetFormatException(file, "corrupt gzip stream: " + e.getMessage(), e);
        }
    }

    private static int intAt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    public Path file() {
        return file;
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of items: the first dimension. */
    public int count() {
        return dims[0];
    }

    /** A copy of the values (after the header). */
    public byte[] values() {
        return Arrays.copyOfRange(content, headerLength, content.length);
    }

    /** MD5 (lower-case hex) of the decompressed file, header included: what Fashion-MNIST publishes. */
    public String decompressedMd5() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    /**
     * Reads an image file and its label file, checks that they agree (same count) and that every
     * label is below {@code classNames.size()}, and returns them as a one-channel data set.
     */
    public static ImageDataset readDataset(String name, Path imagesFile, Path labelsFile, List<String> classNames) throws IOException {
        return toDataset(name, readImages(imagesFile), readLabels(labelsFile), classNames);
    }

    /** Checks that {@code images} and {@code labels} agree and builds the data set. */
    public static ImageDataset toDataset(String name, IdxFile images, IdxFile labels, List<String> classNames) throws IOException {
        if (images.count() != labels.count()) {
            throw new DatasetFormatException(labels.file(), "has " + labels.count() + " labels but the image file "
                    + images.file() + " has " + images.count() + " images");
        }
        int[] labelValues = new int[labels.count()];
        for (int i = 0; i < labelValues.length; i++) {
            labelValues[i] = labels.content[labels.headerLength + i] & 0xff;
            if (labelValues[i] >= classNames.size()) {
                throw new DatasetFormatException(labels.file(), "label " + labelValues[i] + " of item " + i
                        + " is not a class of " + name + " (" + classNames.size() + " classes)");
            }
        }
        return new ImageDataset(name, 1, images.dims[1], images.dims[2], images.values(), labelValues, classNames);
    }
}
