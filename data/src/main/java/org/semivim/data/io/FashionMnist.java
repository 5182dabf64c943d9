package org.semivim.data.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (ssl-spec.md §1.1): 60 000 training and 10 000 test images, 28×28 grayscale, 10
 * classes. Reads the four IDX files from a directory, gzipped ({@code *.gz}) or raw, and checks the
 * MD5 of each decompressed file against the published one unless told not to.
 *
 * <p>Default directory: the system property {@code semivim.fashion.dir}, else the Debian package
 * {@code dataset-fashion-mnist} at {@value #DEBIAN_DIRECTORY}.
 */
public final class FashionMnist {
    public static final String DEBIAN_DIRECTORY = "/usr/share/datasets/fashion-mnist";
    public static final int SIZE = 28;
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Pixel mean and std after scaling to [0,1], over the 60 000 training images (ssl-spec.md §1.1). */
    public static final float MEAN = 0.286041f;
    public static final float STD = 0.353024f;

    /** One of the four files: its base name (without .gz) and the MD5 of its decompressed content. */
    public enum FashionFile {
        TRAIN_IMAGES("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        TRAIN_LABELS("train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9"),
        TEST_IMAGES("t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a"),
        TEST_LABELS("t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965");

        public final String baseName;
        public final String decompressedMd5;

        FashionFile(String baseName, String decompressedMd5) {
            this.baseName = baseName;
            this.decompressedMd5 = decompressedMd5;
        }
    }

    /** Whether to compare the decompressed MD5s with the published ones. */
    public enum Md5Check { VERIFY, SKIP }

    /** The training and test sets. */
    public record TrainTest(ImageDataset train, ImageDataset test) {}

    private FashionMnist() {}

    public static Path defaultDirectory() {
        return Path.of(System.getProperty("semivim.fashion.dir", DEBIAN_DIRECTORY));
    }

    /** True when all four files are present in {@code dir} (gzipped or raw). */
    public static boolean isPresent(Path dir) {
        for (FashionFile f : FashionFile.values()) if (locate(dir, f) == null) return false;
        return true;
    }

    /** Reads train and test from {@code dir}, verifying MD5s when {@code check} is VERIFY. */
    public static TrainTest load(Path dir, Md5Check check) throws IOException {
        return new TrainTest(loadTrain(dir, check), loadTest(dir, check));
    }

    public static ImageDataset loadTrain(Path dir, Md5Check check) throws IOException {
        return loadPart("fashion-mnist-train", dir, FashionFile.TRAIN_IMAGES, FashionFile.TRAIN_LABELS, check);
    }

    public static ImageDataset loadTest(Path dir, Md5Check check) throws IOException {
        return loadPart("fashion-mnist-test", dir, FashionFile.TEST_IMAGES, FashionFile.TEST_LABELS, check);
    }

    private static ImageDataset loadPart(String name, Path dir, FashionFile imagesFile, FashionFile labelsFile, Md5Check check)
            throws IOException {
        IdxFile images = IdxFile.readImages(require(dir, imagesFile));
        IdxFile labels = IdxFile.readLabels(require(dir, labelsFile));
        if (check == Md5Check.VERIFY) {
            verifyMd5(images, imagesFile);
            verifyMd5(labels, labelsFile);
        }
        int[] dims = images.dims();
        if (dims[1] != SIZE || dims[2] != SIZE) {
            throw new DatasetFormatException(images.file(), "Fashion-MNIST images are 28x28 but this file holds "
                    + dims[1] + "x" + dims[2]);
        }
        return IdxFile.toDataset(name, images, labels, CLASS_NAMES);
    }

    private static void verifyMd5(IdxFile file, FashionFile expected) throws DatasetFormatException {
        String actual = file.decompressedMd5();
        if (!actual.equals(expected.decompressedMd5)) {
            throw new DatasetFormatException(file.file(), "MD5 of the decompressed content is " + actual
                    + " but the published Fashion-MNIST " + expected.baseName + " has " + expected.decompressedMd5
                    + ": the file is damaged or is not Fashion-MNIST (load with Md5Check.SKIP to use it anyway)");
        }
    }

    private static Path require(Path dir, FashionFile f) throws DatasetFormatException {
        Path p = locate(dir, f);
        if (p == null) {
            throw new DatasetFormatException(dir.resolve(f.baseName + ".gz"), "Fashion-MNIST file missing (neither "
                    + f.baseName + ".gz nor " + f.baseName + " is in " + dir
                    + "; on Debian: apt-get install dataset-fashion-mnist, or give the directory that holds the files)");
        }
        return p;
    }

    private static Path locate(Path dir, FashionFile f) {
        Path gz = dir.resolve(f.baseName + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path raw = dir.resolve(f.baseName);
        return Files.isRegularFile(raw) ? raw : null;
    }
}
