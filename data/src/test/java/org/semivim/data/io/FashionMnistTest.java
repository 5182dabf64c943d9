package org.semivim.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir Path dir;

    private static Path realData() {
        Path d = FashionMnist.defaultDirectory();
        assumeTrue(FashionMnist.isPresent(d), "Fashion-MNIST not found in " + d
                + " (apt-get install dataset-fashion-mnist, or -Dsemivim.fashion.dir=...): skipping the real-data test");
        return d;
    }

    @Test
    void realFilesHaveThePublishedCountsLabelsAndMd5s() throws IOException {
        FashionMnist.TrainTest data = FashionMnist.load(realData(), FashionMnist.Md5Check.VERIFY);
        assertEquals(60_000, data.train().count());
        assertEquals(10_000, data.test().count());
        assertEquals(28, data.train().height());
        int[] perClassTrain = new int[10];
        Arrays.fill(perClassTrain, 6000);
        int[] perClassTest = new int[10];
        Arrays.fill(perClassTest, 1000);
        assertArrayEquals(perClassTrain, data.train().countsPerClass());
        assertArrayEquals(perClassTest, data.test().countsPerClass());
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(data.train().labels(), 10));
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(data.test().labels(), 10));
    }

    @Test
    void realTrainingSetMeanAndStdMatchTheNormalisationConstants() throws IOException {
        ImageDataset train = FashionMnist.loadTrain(realData(), FashionMnist.Md5Check.SKIP);
        double sum = 0;
        double sumSq = 0;
        long n = (long) train.count() * train.imageSize();
        byte[] image = new byte[train.imageSize()];
        for (int i = 0; i < train.count(); i++) {
            train.copyImage(i, image, 0);
            for (byte b : image) {
                double v = (b & 0xff) / 255.0;
                sum += v;
                sumSq += v * v;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        // The spec gives 6 decimals: agreement to half a unit of the last digit.
        assertEquals(FashionMnist.MEAN, mean, 5e-7);
        assertEquals(FashionMnist.STD, std, 5e-7);
    }

    /** Writes valid IDX files with Fashion-MNIST's names but other content. */
    private void writeLookalike(boolean gzip) throws IOException {
        byte[] images = IdxTestFiles.idx(new int[] {20, 28, 28}, IdxTestFiles.imageValues(20, 28, 28));
        byte[] labelValues = new byte[20];
        for (int i = 0; i < 20; i++) labelValues[i] = (byte) (i % 10);
        byte[] labels = IdxTestFiles.idx(new int[] {20}, labelValues);
        for (String part : new String[] {"train", "t10k"}) {
            Path img = dir.resolve(part + "-images-idx3-ubyte" + (gzip ? ".gz" : ""));
            Path lab = dir.resolve(part + "-labels-idx1-ubyte" + (gzip ? ".gz" : ""));
            Files.write(img, gzip ? IdxTestFiles.gzip(images) : images);
            Files.write(lab, gzip ? IdxTestFiles.gzip(labels) : labels);
        }
    }

    @Test
    void md5MismatchIsAClearErrorAndSkipLoadsAnyway() throws IOException {
        writeLookalike(true);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FashionMnist.load(dir, FashionMnist.Md5Check.VERIFY));
        IdxFileTest.assertMessage(e, "train-images-idx3-ubyte.gz", "MD5 of the decompressed content is",
                "f4a8712d7a061bf5bd6d2ca38dc4d50a", "Md5Check.SKIP");
        FashionMnist.TrainTest loaded = FashionMnist.load(dir, FashionMnist.Md5Check.SKIP);
        assertEquals(20, loaded.train().count());
        assertEquals("Ankle boot", loaded.train().classNames().get(9));
    }

    @Test
    void rawFilesInAUserDirectoryAreFound() throws IOException {
        writeLookalike(false);
        assertTrue(FashionMnist.isPresent(dir));
        assertEquals(20, FashionMnist.loadTest(dir, FashionMnist.Md5Check.SKIP).count());
    }

    @Test
    void missingFileNamesTheDirectoryAndThePackage() {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FashionMnist.load(dir, FashionMnist.Md5Check.VERIFY));
        IdxFileTest.assertMessage(e, "train-images-idx3-ubyte", dir.toString(), "dataset-fashion-mnist");
    }

    @Test
    void wrongImageSizeIsRejected() throws IOException {
        writeLookalike(false);
        Files.write(dir.resolve("train-images-idx3-ubyte"), IdxTestFiles.idx(new int[] {20, 32, 32}, IdxTestFiles.imageValues(20, 32, 32)));
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> FashionMnist.loadTrain(dir, FashionMnist.Md5Check.SKIP)),
                "train-images-idx3-ubyte", "28x28", "32x32");
    }
}
