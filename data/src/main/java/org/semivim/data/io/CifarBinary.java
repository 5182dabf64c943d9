package org.semivim.data.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader of the CIFAR-10 and CIFAR-100 "binary version" files (Krizhevsky's
 * {@code cifar-10-batches-bin}, {@code cifar-100-binary}): fixed-size records of label byte(s)
 * followed by 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32 row-major), which is
 * already the channel-planar layout of {@link ImageDataset}.
 *
 * <p>CIFAR-10 records hold 1 label byte (10 classes); CIFAR-100 records hold a coarse label byte
 * (20 super-classes) then a fine label byte (100 classes).
 */
public final class CifarBinary {
    public static final int SIZE = 32;
    private static final int PIXELS = 3 * SIZE * SIZE;

    /** Which format and which label to keep. */
    public enum Variant {
        CIFAR10(1, 0, 10, "batches.meta.txt"),
        CIFAR100_FINE(2, 1, 100, "fine_label_names.txt"),
        CIFAR100_COARSE(2, 0, 20, "coarse_label_names.txt");

        final int labelBytes;
        final int labelByteIndex;
        final int numClasses;
        final String namesFile;

        Variant(int labelBytes, int labelByteIndex, int numClasses, String namesFile) {
            this.labelBytes = labelBytes;
            this.labelByteIndex = labelByteIndex;
            this.numClasses = numClasses;
            this.namesFile = namesFile;
        }

        int recordSize() {
            return labelBytes + PIXELS;
        }
    }

    private CifarBinary() {}

    /** CIFAR-10 training set: data_batch_1.bin … data_batch_5.bin of {@code dir}. */
    public static ImageDataset cifar10Train(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int b = 1; b <= 5; b++) files.add(dir.resolve("data_batch_" + b + ".bin"));
        return read("cifar10-train", files, Variant.CIFAR10, classNames(dir, Variant.CIFAR10));
    }

    /** CIFAR-10 test set: test_batch.bin of {@code dir}. */
    public static ImageDataset cifar10Test(Path dir) throws IOException {
        return read("cifar10-test", List.of(dir.resolve("test_batch.bin")), Variant.CIFAR10, classNames(dir, Variant.CIFAR10));
    }

    /** CIFAR-100 train.bin or test.bin of {@code dir} with fine or coarse labels. */
    public static ImageDataset cifar100(Path dir, boolean train, Variant labels) throws IOException {
        if (labels == Variant.CIFAR10) throw new IllegalArgumentException("CIFAR-100 needs CIFAR100_FINE or CIFAR100_COARSE");
        String file = train ? "train.bin" : "test.bin";
        return read("cifar100-" + (train ? "train" : "test"), List.of(dir.resolve(file)), labels, classNames(dir, labels));
    }

    /** Reads and concatenates {@code files} of the given variant. */
    public static ImageDataset read(String name, List<Path> files, Variant variant, List<String> classNames) throws IOException {
        if (classNames.size() != variant.numClasses) {
            throw new IllegalArgumentException(name + ": " + variant + " has " + variant.numClasses + " classes but "
                    + classNames.size() + " class names were given");
        }
        List<byte[]> contents = new ArrayList<>();
        long records = 0;
        for (Path f : files) {
            byte[] content = IdxFile.readDecompressed(f);
            if (content.length == 0 || content.length % variant.recordSize() != 0) {
                throw new DatasetFormatException(f, "length " + content.length + " is not a positive multiple of the "
                        + variant + " record size " + variant.recordSize() + " (" + variant.labelBytes
                        + " label byte(s) + 3072 pixels): truncated, or not this CIFAR variant");
            }
            contents.add(content);
            records += content.length / variant.recordSize();
        }
        if (records * PIXELS > Integer.MAX_VALUE) throw new IllegalArgumentException(name + ": too many images (" + records + ")");
        byte[] pixels = new byte[(int) records * PIXELS];
        int[] labels = new int[(int) records];
        int n = 0;
        for (int fi = 0; fi < contents.size(); fi++) {
            byte[] content = contents.get(fi);
            for (int at = 0; at < content.length; at += variant.recordSize(), n++) {
                int label = content[at + variant.labelByteIndex] & 0xff;
                if (label >= variant.numClasses) {
                    throw new DatasetFormatException(files.get(fi), "record " + at / variant.recordSize() + " has label "
                            + label + ", outside the " + variant.numClasses + " classes of " + variant);
                }
                labels[n] = label;
                System.arraycopy(content, at + variant.labelBytes, pixels, n * PIXELS, PIXELS);
            }
        }
        return new ImageDataset(name, 3, SIZE, SIZE, pixels, labels, classNames);
    }

    /** Class names from the variant's names file in {@code dir} (one per line), else "0", "1", …. */
    static List<String> classNames(Path dir, Variant variant) throws IOException {
        Path namesFile = dir.resolve(variant.namesFile);
        if (!Files.isRegularFile(namesFile)) return ImageDataset.numberedClasses(variant.numClasses);
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(namesFile, StandardCharsets.UTF_8)) if (!line.isBlank()) names.add(line.strip());
        if (names.size() != variant.numClasses) {
            throw new DatasetFormatException(namesFile, "lists " + names.size() + " class names but " + variant
                    + " has " + variant.numClasses);
        }
        return names;
    }
}
