package org.semivim.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GeneratedDatasetTest {
    @Test
    void sameSeedSameImagesOtherSeedOtherImages() {
        ImageDataset a = GeneratedDataset.create(7, 10, 5, 28);
        ImageDataset b = GeneratedDataset.create(7, 10, 5, 28);
        ImageDataset c = GeneratedDataset.create(8, 10, 5, 28);
        for (int i = 0; i < a.count(); i++) assertArrayEquals(a.image(i), b.image(i));
        assertFalse(Arrays.equals(a.image(0), c.image(0)));
        int[] five = new int[10];
        Arrays.fill(five, 5);
        assertArrayEquals(five, a.countsPerClass());
        assertEquals(3, a.label(13));
    }

    /** A nearest-centroid classifier fitted on the first half must classify the second half well: the classes are learnable. */
    @Test
    void classesAreLearnableByNearestCentroid() {
        int classes = 10;
        ImageDataset d = GeneratedDataset.create(1, classes, 40, 28);
        int half = d.count() / 2;
        double[][] centroid = new double[classes][d.imageSize()];
        int[] n = new int[classes];
        for (int i = 0; i < half; i++) {
            byte[] img = d.image(i);
            n[d.label(i)]++;
            for (int p = 0; p < img.length; p++) centroid[d.label(i)][p] += img[p] & 0xff;
        }
        for (int k = 0; k < classes; k++) for (int p = 0; p < d.imageSize(); p++) centroid[k][p] /= n[k];
        int correct = 0;
        for (int i = half; i < d.count(); i++) {
            byte[] img = d.image(i);
            int best = -1;
            double bestDist = Double.MAX_VALUE;
            for (int k = 0; k < classes; k++) {
                double dist = 0;
                for (int p = 0; p < img.length; p++) {
                    double diff = (img[p] & 0xff) - centroid[k][p];
                    dist += diff * diff;
                }
                if (dist < bestDist) {
                    bestDist = dist;
                    best = k;
                }
            }
            if (best == d.label(i)) correct++;
        }
        double accuracy = (double) correct / (d.count() - half);
        assertTrue(accuracy > 0.9, "nearest-centroid accuracy " + accuracy);
    }
}
