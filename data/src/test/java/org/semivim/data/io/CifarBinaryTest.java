package org.semivim.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarBinaryTest {
    @TempDir Path dir;

    /** Records of {@code labelBytes} labels then 3072 pixels; pixel p of record r = (r + p) mod 256. */
    private static byte[] records(int count, int labelBytes, int[][] labels) {
        int size = labelBytes + 3072;
        byte[] out = new byte[count * size];
        for (int r = 0; r < count; r++) {
            for (int l = 0; l < labelBytes; l++) out[r * size + l] = (byte) labels[r][l];
            for (int p = 0; p < 3072; p++) out[r * size + labelBytes + p] = (byte) ((r + p) % 256);
        }
        return out;
    }

    @Test
    void cifar10BatchesAreConcatenatedChannelPlanar() throws IOException {
        for (int b = 1; b <= 5; b++) Files.write(dir.resolve("data_batch_" + b + ".bin"), records(2, 1, new int[][] {{b}, {9}}));
        Files.write(dir.resolve("batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n".getBytes());
        ImageDataset train = CifarBinary.cifar10Train(dir);
        assertEquals(10, train.count());
        assertEquals(3, train.channels());
        assertArrayEquals(new int[] {1, 9, 2, 9, 3, 9, 4, 9, 5, 9}, train.labels());
        assertEquals("truck", train.classNames().get(9));
        // record 3 (second of batch 2) had r = 1 within its file: green channel (plane 1) pixel (y=2, x=5) = (1 + 1024 + 2*32 + 5) mod 256
        assertEquals((1 + 1024 + 2 * 32 + 5) % 256, train.pixel(3, 1, 2, 5));
    }

    @Test
    void cifar100KeepsFineOrCoarseLabels() throws IOException {
        Files.write(dir.resolve("train.bin"), records(3, 2, new int[][] {{4, 99}, {19, 0}, {0, 50}}));
        assertArrayEquals(new int[] {99, 0, 50}, CifarBinary.cifar100(dir, true, CifarBinary.Variant.CIFAR100_FINE).labels());
        ImageDataset coarse = CifarBinary.cifar100(dir, true, CifarBinary.Variant.CIFAR100_COARSE);
        assertArrayEquals(new int[] {4, 19, 0}, coarse.labels());
        assertEquals(20, coarse.numClasses());
    }

    @Test
    void truncatedRecordAndBadLabelAreReported() throws IOException {
        byte[] two = records(2, 1, new int[][] {{1}, {2}});
        Path cut = dir.resolve("test_batch.bin");
        Files.write(cut, Arrays.copyOf(two, two.length - 100));
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> CifarBinary.cifar10Test(dir)),
                "test_batch.bin", "not a positive multiple", "3073");

        Files.write(cut, records(2, 1, new int[][] {{1}, {12}}));
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> CifarBinary.cifar10Test(dir)),
                "test_batch.bin", "record 1 has label 12");

        Files.write(dir.resolve("batches.meta.txt"), "a\nb\n".getBytes());
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> CifarBinary.cifar10Test(dir)),
                "batches.meta.txt", "2 class names");
        assertThrows(IllegalArgumentException.class,
                () -> CifarBinary.read("x", List.of(cut), CifarBinary.Variant.CIFAR10, ImageDataset.numberedClasses(3)));
    }
}
