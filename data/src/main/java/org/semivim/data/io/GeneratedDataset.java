package org.semivim.data.io;

import org.semivim.engine.rng.CounterRng;

/**
 * A small synthetic grayscale data set for tests and for machines without Fashion-MNIST. Image i
 * has class {@code i % numClasses}. Class k draws a bright blob at angle 2πk/numClasses on a
 * circle around the centre plus a dimmer centre blob whose radius grows with k, so classes differ
 * in where and how the mass lies and a classifier (even nearest-centroid) can learn them. Every
 * image adds its own position jitter (±1 px), contrast (0.7..1.0) and pixel noise (±20 levels).
 *
 * <p>Deterministic: image i draws from {@code CounterRng.of(seed, "semivim.generated").derive(i)},
 * counters 0..1 jitter, 2 contrast, 3.. one per pixel for noise.
 */
public final class GeneratedDataset {
    private GeneratedDataset() {}

    /** {@code perClass × numClasses} images of {@code size × size} pixels. */
    public static ImageDataset create(long seed, int numClasses, int perClass, int size) {
        if (numClasses < 2) throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        if (perClass < 1) throw new IllegalArgumentException("need at least 1 image per class, got " + perClass);
        if (size < 8) throw new IllegalArgumentException("images must be at least 8x8, got " + size);
        int count = numClasses * perClass;
        byte[] pixels = new byte[count * size * size];
        int[] labels = new int[count];
        CounterRng root = CounterRng.of(seed, "semivim.generated");
        for (int i = 0; i < count; i++) {
            int k = i % numClasses;
            labels[i] = k;
            drawImage(root.derive(i), k, numClasses, size, pixels, i * size * size);
        }
        return new ImageDataset("generated-" + numClasses + "x" + perClass + "-seed" + seed, 1, size, size, pixels, labels,
                ImageDataset.numberedClasses(numClasses));
    }

    private static void drawImage(CounterRng rng, int k, int numClasses, int size, byte[] out, int offset) {
        double jitterX = rng.uniformDouble(0) * 2 - 1;
        double jitterY = rng.uniformDouble(1) * 2 - 1;
        double contrast = 0.7 + 0.3 * rng.uniformDouble(2);
        double centre = (size - 1) / 2.0;
        double angle = 2 * Math.PI * k / numClasses;
        double blobX = centre + size / 4.0 * Math.cos(angle) + jitterX;
        double blobY = centre + size / 4.0 * Math.sin(angle) + jitterY;
        double blobSigma = size / 10.0;
        double coreSigma = size / 14.0 * (1 + (double) k / numClasses);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double blob = gaussian(x - blobX, y - blobY, blobSigma);
                double core = 0.5 * gaussian(x - centre - jitterX, y - centre - jitterY, coreSigma);
                double noise = (rng.uniformDouble(3 + (long) y * size + x) * 2 - 1) * 20;
                long v = Math.round(255 * contrast * Math.min(1.0, blob + core) + noise);
                out[offset + y * size + x] = (byte) Math.max(0, Math.min(255, v));
            }
        }
    }

    private static double gaussian(double dx, double dy, double sigma) {
        return Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }
}
