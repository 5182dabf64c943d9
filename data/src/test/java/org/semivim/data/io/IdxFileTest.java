package org.semivim.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir Path dir;

    private static final byte[] LABELS = {3, 0, 9, 1, 1};

    @Test
    void readsRawAndGzipImagesAndLabelsIdentically() throws IOException {
        byte[] values = IdxTestFiles.imageValues(5, 4, 3);
        byte[] imagesRaw = IdxTestFiles.idx(new int[] {5, 4, 3}, values);
        byte[] labelsRaw = IdxTestFiles.idx(new int[] {5}, LABELS);
        Path rawImages = IdxTestFiles.write(dir.resolve("img"), imagesRaw);
        Path gzImages = IdxTestFiles.write(dir.resolve("img.gz"), IdxTestFiles.gzip(imagesRaw));
        Path rawLabels = IdxTestFiles.write(dir.resolve("lab"), labelsRaw);
        Path gzLabels = IdxTestFiles.write(dir.resolve("lab.gz"), IdxTestFiles.gzip(labelsRaw));

        IdxFile a = IdxFile.readImages(rawImages);
        IdxFile b = IdxFile.readImages(gzImages);
        assertArrayEquals(new int[] {5, 4, 3}, a.dims());
        assertArrayEquals(values, a.values());
        assertArrayEquals(values, b.values());
        assertEquals(a.decompressedMd5(), b.decompressedMd5(), "MD5 is of the decompressed content");

        ImageDataset d = IdxFile.readDataset("t", gzImages, rawLabels, ImageDataset.numberedClasses(10));
        assertEquals(5, d.count());
        assertEquals(4, d.height());
        assertEquals(3, d.width());
        assertArrayEquals(new int[] {3, 0, 9, 1, 1}, d.labels());
        // pixel (i=2, y=1, x=2) = (2*7 + 1*3 + 2) mod 256 = 19
        assertEquals(19, d.pixel(2, 0, 1, 2));
        assertArrayEquals(d.labels(), IdxFile.readDataset("t", rawImages, gzLabels, ImageDataset.numberedClasses(10)).labels());
    }

    @Test
    void knownMd5OfDecompressedContent() throws IOException {
        // MD5 of the 9 bytes 00 00 08 01 00 00 00 01 07 (a one-label IDX file), computed with md5sum.
        Path f = IdxTestFiles.write(dir.resolve("one"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 7});
        assertEquals(md5sumOf(f), IdxFile.readLabels(f).decompressedMd5());
    }

    private static String md5sumOf(Path f) throws IOException {
        Process p = new ProcessBuilder("md5sum", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return out.split("\\s+")[0];
    }

    @Test
    void wrongMagicNamesFileAndBothNumbers() throws IOException {
        Path f = IdxTestFiles.write(dir.resolve("labels-as-images"), IdxTestFiles.idx(new int[] {5}, LABELS));
        IOException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(f));
        assertMessage(e, "labels-as-images", "bad magic number 0x00000801", "expected 0x00000803");

        Path junk = IdxTestFiles.write(dir.resolve("junk.idx"), "not an idx file".getBytes());
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readLabels(junk)), "junk.idx", "not an unsigned-byte IDX header");
    }

    @Test
    void truncatedValuesTrailingBytesAndShortHeaderAreReported() throws IOException {
        byte[] full = IdxTestFiles.idx(new int[] {5, 4, 3}, IdxTestFiles.imageValues(5, 4, 3));
        Path truncated = IdxTestFiles.write(dir.resolve("truncated"), Arrays.copyOf(full, full.length - 10));
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(truncated)),
                "truncated", "need 60 value bytes", "only 50 are present");

        Path trailing = IdxTestFiles.write(dir.resolve("trailing"), Arrays.copyOf(full, full.length + 2));
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(trailing)), "trailing", "2 unexpected bytes");

        Path shortHeader = IdxTestFiles.write(dir.resolve("short"), Arrays.copyOf(full, 9));
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(shortHeader)), "short", "truncated header");

        Path tiny = IdxTestFiles.write(dir.resolve("tiny"), new byte[] {0, 0});
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(tiny)), "tiny", "too short");

        byte[] zeroDim = IdxTestFiles.idx(new int[] {0, 4, 3}, new byte[0]);
        Path zero = IdxTestFiles.write(dir.resolve("zero"), zeroDim);
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(zero)), "zero", "dimension 0 is 0");
    }

    @Test
    void truncatedAndCorruptGzipAreReported() throws IOException {
        byte[] gz = IdxTestFiles.gzip(IdxTestFiles.idx(new int[] {5, 4, 3}, IdxTestFiles.imageValues(5, 4, 3)));
        Path cut = IdxTestFiles.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(cut)), "cut.gz", "truncated gzip");

        byte[] corrupt = gz.clone();
        for (int i = 12; i < corrupt.length - 8; i++) corrupt[i] = (byte) 0xff;
        Path bad = IdxTestFiles.write(dir.resolve("bad.gz"), corrupt);
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(bad)), "bad.gz", "gzip");

        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(dir.resolve("absent.gz"))),
                "absent.gz", "file not found");
    }

    @Test
    void imagesAndLabelsMustAgree() throws IOException {
        Path images = IdxTestFiles.write(dir.resolve("img"), IdxTestFiles.idx(new int[] {5, 4, 3}, IdxTestFiles.imageValues(5, 4, 3)));
        Path four = IdxTestFiles.write(dir.resolve("four-labels"), IdxTestFiles.idx(new int[] {4}, Arrays.copyOf(LABELS, 4)));
        assertMessage(assertThrows(DatasetFormatException.class,
                () -> IdxFile.readDataset("t", images, four, ImageDataset.numberedClasses(10))), "four-labels", "has 4 labels", "has 5 images");

        Path labels = IdxTestFiles.write(dir.resolve("lab"), IdxTestFiles.idx(new int[] {5}, LABELS));
        assertMessage(assertThrows(DatasetFormatException.class,
                () -> IdxFile.readDataset("t", images, labels, ImageDataset.numberedClasses(5))), "lab", "label 9 of item 2", "5 classes");
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
    }
}
