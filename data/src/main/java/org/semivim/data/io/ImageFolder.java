package org.semivim.data.io;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reader of a user's image folder: one sub-folder per class (class names = folder names, sorted,
 * as torchvision's ImageFolder), each holding PNG/JPEG/BMP/GIF files (read with ImageIO, sorted by
 * file name). Every image is converted to the configured channel count and resized to the
 * configured size.
 *
 * <p>Conversions: grayscale from colour uses PIL's "L" rule {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16};
 * a gray source image is read from its raster (not through {@code getRGB}, which would apply a
 * gamma curve); 16-bit samples keep their high byte; alpha is ignored. Resizing is bilinear with
 * pixel centres at half-integers (as OpenCV INTER_LINEAR and torch {@code align_corners=False}),
 * without antialiasing, rounded to the nearest integer.
 */
public final class ImageFolder {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private ImageFolder() {}

    /** Reads {@code root} into a data set of {@code channels} (1 or 3) × {@code height} × {@code width} images. */
    public static ImageDataset read(Path root, int channels, int height, int width) throws IOException {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (height < 1 || width < 1) throw new IllegalArgumentException("size must be positive, got " + height + "x" + width);
        if (!Files.isDirectory(root)) throw new DatasetFormatException(root, "not a directory (expected one sub-folder per class)");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) throw new DatasetFormatException(root, "has no class sub-folders");
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < classDirs.size(); k++) {
            classNames.add(classDirs.get(k).getFileName().toString());
            List<Path> images;
            try (Stream<Path> s = Files.list(classDirs.get(k))) {
                images = s.filter(p -> Files.isRegularFile(p) && isImageName(p)).sorted().toList();
            }
            if (images.isEmpty()) throw new DatasetFormatException(classDirs.get(k), "class folder holds no PNG/JPEG/BMP/GIF image");
            for (Path p : images) {
                files.add(p);
                labels.add(k);
            }
        }
        int imageSize = channels * height * width;
        byte[] pixels = new byte[files.size() * imageSize];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage image;
            try {
                image = ImageIO.read(files.get(i).toFile());
            } catch (IOException e) {
                throw new DatasetFormatException(files.get(i), "cannot be decoded: " + e.getMessage(), e);
            }
            if (image == null) throw new DatasetFormatException(files.get(i), "no ImageIO decoder recognises this file");
            byte[] planar = toPlanar(image, channels);
            resizeBilinear(planar, channels, image.getHeight(), image.getWidth(), pixels, i * imageSize, height, width);
        }
        return new ImageDataset(root.getFileName() + "", channels, height, width, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** The image as channel-planar unsigned bytes [channels, h, w]. */
    static byte[] toPlanar(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        byte[] out = new byte[channels * h * w];
        Raster raster = image.getRaster();
        boolean graySource = raster.getNumBands() == 1 && image.getColorModel().getColorSpace().getNumComponents() == 1;
        int shift = graySource ? Math.max(0, image.getColorModel().getComponentSize(0) - 8) : 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r, g, b;
                if (graySource) {
                    r = g = b = raster.getSample(x, y, 0) >> shift;
                } else {
                    int argb = image.getRGB(x, y);
                    r = (argb >> 16) & 0xff;
                    g = (argb >> 8) & 0xff;
                    b = argb & 0xff;
                }
                if (channels == 1) {
                    out[y * w + x] = (byte) (graySource ? r : (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16);
                } else {
                    out[y * w + x] = (byte) r;
                    out[(h + y) * w + x] = (byte) g;
                    out[(2 * h + y) * w + x] = (byte) b;
                }
            }
        }
        return out;
    }

    /**
     * Bilinear resize of planar bytes [channels, srcH, srcW] into dst at dstOffset as [channels, dstH, dstW].
     * Source coordinate of output pixel x: (x + 0.5)·srcW/dstW − 0.5, clamped to the image.
     */
    static void resizeBilinear(byte[] src, int channels, int srcH, int srcW, byte[] dst, int dstOffset, int dstH, int dstW) {
        double scaleY = (double) srcH / dstH;
        double scaleX = (double) srcW / dstW;
        for (int c = 0; c < channels; c++) {
            int srcPlane = c * srcH * srcW;
            int dstPlane = dstOffset + c * dstH * dstW;
            for (int y = 0; y < dstH; y++) {
                double sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0.0), srcH - 1);
                int y0 = (int) sy;
                int y1 = Math.min(y0 + 1, srcH - 1);
                double fy = sy - y0;
                for (int x = 0; x < dstW; x++) {
                    double sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0.0), srcW - 1);
                    int x0 = (int) sx;
                    int x1 = Math.min(x0 + 1, srcW - 1);
                    double fx = sx - x0;
                    double top = (src[srcPlane + y0 * srcW + x0] & 0xff) * (1 - fx) + (src[srcPlane + y0 * srcW + x1] & 0xff) * fx;
                    double bottom = (src[srcPlane + y1 * srcW + x0] & 0xff) * (1 - fx) + (src[srcPlane + y1 * srcW + x1] & 0xff) * fx;
                    long v = Math.round(top * (1 - fy) + bottom * fy);
                    dst[dstPlane + y * dstW + x] = (byte) Math.min(255, Math.max(0, v));
                }
            }
        }
    }
}
