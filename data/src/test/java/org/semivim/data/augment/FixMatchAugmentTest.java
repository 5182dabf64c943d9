package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.rng.CounterRng;

class FixMatchAugmentTest {
    private static final ImageDataset DATA = GeneratedDataset.create(3, 10, 20, 28);
    private final FixMatchAugment augment = new FixMatchAugment(2024, AugmentConfig.fixMatch(28));

    private static GrayImage image(int i) {
        return new GrayImage(28, 28, DATA.image(i));
    }

    @Test
    void fixMatchConfigForFashionMnist() {
        AugmentConfig c = AugmentConfig.fixMatch(28);
        assertEquals(3, c.padding());
        assertEquals(14, c.cutoutSide());
        assertEquals(127, c.cutoutFill());
        assertEquals(2, c.ops());
        assertEquals(10, c.magnitude());
    }

    @Test
    void aViewIsAFunctionOfItsCoordinates() {
        GrayImage img = image(5);
        for (AugmentView v : AugmentView.values()) assertEquals(augment.view(img, 7, 5, v), augment.view(img, 7, 5, v));
        GrayImage strong = augment.view(img, 7, 5, AugmentView.STRONG);
        assertNotEquals(strong, augment.view(img, 8, 5, AugmentView.STRONG), "other step");
        assertNotEquals(strong, augment.view(img, 7, 6, AugmentView.STRONG), "other sample index");
        assertNotEquals(strong, augment.view(img, 7, 5, AugmentView.STRONG_2), "other view");
        assertNotEquals(strong, new FixMatchAugment(2025, AugmentConfig.fixMatch(28)).view(img, 7, 5, AugmentView.STRONG), "other seed");
        assertEquals(img, augment.view(img, 7, 5, AugmentView.EVAL));
    }

    /** Views computed by 4 threads in a shuffled order equal views computed one by one in order. */
    @Test
    void viewsDoNotDependOnThreadOrOrder() throws Exception {
        int n = DATA.count();
        List<GrayImage> sequential = new ArrayList<>();
        for (int i = 0; i < n; i++) sequential.add(augment.view(image(i), 3, i, AugmentView.STRONG));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(1));
        GrayImage[] parallel = new GrayImage[n];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            FixMatchAugment other = new FixMatchAugment(2024, AugmentConfig.fixMatch(28));  // a fresh instance, as on another node
            List<Future<?>> futures = new ArrayList<>();
            for (int i : order) futures.add(pool.submit(() -> parallel[i] = other.view(image(i), 3, i, AugmentView.STRONG)));
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < n; i++) assertEquals(sequential.get(i), parallel[i], "sample " + i);
    }

    /** A weak view is the image, maybe mirrored, translated by (dx, dy) ∈ [−3, 3]² with reflection. */
    @Test
    void weakViewIsAFlipAndAReflectTranslation() {
        int flips = 0;
        int[] offsets = new int[7];
        for (int i = 0; i < DATA.count(); i++) {
            GrayImage img = image(i);
            GrayImage weak = augment.view(img, 11, i, AugmentView.WEAK);
            boolean found = false;
            for (int flip = 0; flip < 2 && !found; flip++) {
                GrayImage src = flip == 1 ? GeometryOps.flipHorizontal(img) : img;
                for (int top = 0; top <= 6 && !found; top++) {
                    for (int left = 0; left <= 6 && !found; left++) {
                        if (GeometryOps.reflectPadCrop(src, 3, top, left).equals(weak)) {
                            found = true;
                            flips += flip;
                            offsets[top]++;
                        }
                    }
                }
            }
            assertTrue(found, "weak view of sample " + i + " is no flip/translate of it");
        }
        assertTrue(flips > 60 && flips < 140, "about half of 200 views are mirrored: " + flips);
        for (int o : offsets) assertTrue(o > 10, "every vertical offset occurs: " + java.util.Arrays.toString(offsets));
    }

    /**
     * The strong view rebuilt by hand from the documented counter layout of the view's stream
     * CounterRng(seed, "semivim.augment").derive(step, sample, view): 0 flip, 1–2 crop, then per op
     * r at 3 + 4r: op, level, apply, sign; then the cutout centre at 11 and 12.
     */
    @Test
    void strongViewFollowsTheDocumentedCounterLayout() {
        CounterRng root = CounterRng.of(2024, "semivim.augment");
        int cutoutPixels = 0;
        for (int i = 0; i < DATA.count(); i++) {
            CounterRng rng = root.derive(1, i, AugmentView.STRONG.code);
            GrayImage img = image(i);
            if (rng.uniform(0) < 0.5f) img = GeometryOps.flipHorizontal(img);
            img = GeometryOps.reflectPadCrop(img, 3, rng.nextInt(1, 7), rng.nextInt(2, 7));
            for (int r = 0; r < 2; r++) {
                int base = 3 + 4 * r;
                RandAugmentOp op = RandAugmentOp.values()[rng.nextInt(base, 14)];
                int level = 1 + rng.nextInt(base + 1, 9);
                if (rng.uniform(base + 2) < 0.5f) img = op.apply(img, level, rng.uniform(base + 3) < 0.5f);
            }
            double cx = rng.uniformDouble(11) * 28;
            double cy = rng.uniformDouble(12) * 28;
            GrayImage expected = GeometryOps.cutout(img, cx, cy, 14, 127);
            assertEquals(expected, augment.view(image(i), 1, i, AugmentView.STRONG), "sample " + i);
            int x0 = (int) Math.floor(cx - 7), y0 = (int) Math.floor(cy - 7);
            int area = (Math.min(28, x0 + 14) - Math.max(0, x0)) * (Math.min(28, y0 + 14) - Math.max(0, y0));
            assertTrue(area >= 49 && area <= 196, "cutout area " + area);
            cutoutPixels += area;
        }
        assertTrue(cutoutPixels > 0);
    }

    @Test
    void wrongImageSizeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> augment.view(GrayImage.blank(32, 32, 0), 0, 4, AugmentView.WEAK));
        assertTrue(e.getMessage().contains("28x28") && e.getMessage().contains("32x32"), e.getMessage());
    }
}
