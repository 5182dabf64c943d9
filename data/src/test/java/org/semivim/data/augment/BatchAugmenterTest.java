package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Tensor;

class BatchAugmenterTest {
    private static final ImageDataset DATA = GeneratedDataset.create(3, 10, 12, 28);
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static BatchAugmenter augmenter() {
        return new BatchAugmenter(DATA, new FixMatchAugment(5, AugmentConfig.fixMatch(28)), Normalization.fashionMnist());
    }

    @Test
    void batchIsBitIdenticalForOneOrThreeThreads() {
        int[] indices = {0, 17, 3, 99, 42, 5, 5, 61};
        for (AugmentView view : AugmentView.values()) {
            Parallel.setThreads(1);
            Tensor one = augmenter().render(indices, 12, view);
            Parallel.setThreads(3);
            Tensor three = augmenter().render(indices, 12, view);
            assertArrayEquals(new int[] {8, 1, 28, 28}, one.shape());
            assertArrayEquals(one.toArray(), three.toArray(), view + ": bits must not depend on the thread count");
        }
    }

    @Test
    void rowsAreTheNormalisedViewsOfTheirSamples() {
        int[] indices = {4, 9};
        Tensor batch = augmenter().render(indices, 3, AugmentView.STRONG);
        FixMatchAugment same = new FixMatchAugment(5, AugmentConfig.fixMatch(28));
        Normalization norm = Normalization.fashionMnist();
        for (int b = 0; b < 2; b++) {
            GrayImage v = same.view(new GrayImage(28, 28, DATA.image(indices[b])), 3, indices[b], AugmentView.STRONG);
            for (int p = 0; p < 784; p++) assertEquals(norm.apply(0, v.get(p % 28, p / 28)), batch.get(b * 784 + p));
        }
        // normalisation constants: 0 → −mean/std, 255 → (1 − mean)/std
        assertEquals((0f - 0.286041f) / 0.353024f, norm.apply(0, 0));
        assertEquals((1f - 0.286041f) / 0.353024f, norm.apply(0, 255));
    }

    @Test
    void badIndicesAndRgbAugmentationAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> augmenter().render(new int[] {120}, 0, AugmentView.WEAK));
        assertThrows(IllegalArgumentException.class, () -> augmenter().render(new int[] {-1}, 0, AugmentView.EVAL));
    }
}
