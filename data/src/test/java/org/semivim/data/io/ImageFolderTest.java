package org.semivim.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir Path root;

    private void writeRgb(Path file, int w, int h, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** A gray PNG whose columns alternate 0 and 200 (x even → 0). */
    private void writeGrayStripes(Path file, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, x % 2 == 0 ? 0 : 200);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classesAreSortedFoldersAndImagesAreConvertedAndResized() throws IOException {
        writeRgb(root.resolve("cat/b.png"), 10, 6, 0x0A141E);        // R=10, G=20, B=30
        writeRgb(root.resolve("cat/a.png"), 3, 3, 0xFF0000);
        writeGrayStripes(root.resolve("ant/only.png"), 8, 8);
        Files.writeString(root.resolve("ant/readme.txt"), "not an image");

        ImageDataset gray = ImageFolder.read(root, 1, 4, 4);
        assertEquals(List.of("ant", "cat"), gray.classNames());
        assertArrayEquals(new int[] {0, 1, 1}, gray.labels());
        // Sorted by file name: image 1 is cat/a.png (pure red): PIL L = (19595·255 + 0x8000) >> 16 = 76.
        assertEquals(76, gray.pixel(1, 0, 2, 3));
        // cat/b.png: (19595·10 + 38470·20 + 7471·30 + 32768) >> 16 = 18; uniform images stay uniform after resizing.
        assertEquals(18, gray.pixel(2, 0, 0, 0));
        assertEquals(18, gray.pixel(2, 0, 3, 3));
        // 8 → 4 columns: output x samples source 2x + 0.5, halfway between a 0 and a 200 column → 100.
        for (int x = 0; x < 4; x++) assertEquals(100, gray.pixel(0, 0, 1, x));

        ImageDataset rgb = ImageFolder.read(root, 3, 2, 2);
        assertEquals(10, rgb.pixel(2, 0, 1, 1));
        assertEquals(20, rgb.pixel(2, 1, 1, 1));
        assertEquals(30, rgb.pixel(2, 2, 1, 1));
        assertEquals(200 / 2, rgb.pixel(0, 1, 0, 0), "a gray source gives R = G = B");
    }

    @Test
    void upscalingInterpolatesBetweenPixelCentres() {
        byte[] src = {0, (byte) 200};                   // 1 row, 2 columns
        byte[] dst = new byte[4];
        ImageFolder.resizeBilinear(src, 1, 1, 2, dst, 0, 1, 4);
        // x=0: source -0.25 → clamped 0 → 0; x=1: 0.25 → 50; x=2: 0.75 → 150; x=3: 1.25 → clamped 1 → 200.
        assertArrayEquals(new byte[] {0, 50, (byte) 150, (byte) 200}, dst);
    }

    @Test
    void problemsNameTheFolderOrFile() throws IOException {
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> ImageFolder.read(root, 1, 4, 4)), "no class sub-folders");
        Files.createDirectories(root.resolve("empty"));
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> ImageFolder.read(root, 1, 4, 4)), "empty", "holds no");
        Files.writeString(root.resolve("empty/broken.png"), "garbage");
        IdxFileTest.assertMessage(assertThrows(DatasetFormatException.class, () -> ImageFolder.read(root, 1, 4, 4)), "broken.png");
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(root, 2, 4, 4));
    }
}
