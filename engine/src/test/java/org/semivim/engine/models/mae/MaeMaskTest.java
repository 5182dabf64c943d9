package org.semivim.engine.models.mae;

import org.junit.jupiter.api.Test;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaeMaskTest {

    /** shuffle = argsort of the documented noise rng.derive(key).uniformDouble(l); keep the first K; restore = inverse. */
    @Test
    void masksAreTheArgsortOfTheDocumentedNoise() {
        CounterRng rng = CounterRng.of(11, "semivim.mae.mask").derive(5);
        long[] keys = {42, 7, 42};
        MaeMask mask = MaeMask.draw(rng, keys, 49, 12);
        for (int b = 0; b < 3; b++) {
            double[] noise = new double[49];
            for (int l = 0; l < 49; l++) noise[l] = rng.derive(keys[b]).uniformDouble(l);
            int[] s = mask.shuffle()[b];
            for (int i = 1; i < 49; i++) assertTrue(noise[s[i - 1]] <= noise[s[i]], "ascending noise");
            assertEquals(49, Arrays.stream(s).distinct().count());
            for (int i = 0; i < 49; i++) assertEquals(i, mask.restore()[b][s[i]]);
            int masked = 0;
            for (int l = 0; l < 49; l++) if (mask.masked(b, l)) masked++;
            assertEquals(37, masked);
            assertArrayEquals(Arrays.copyOf(s, 12), mask.visible()[b]);
        }
        assertArrayEquals(mask.shuffle()[0], mask.shuffle()[2], "same key → same mask, whatever the row");
        assertFalse(Arrays.equals(mask.shuffle()[0], mask.shuffle()[1]));
        Tensor lm = mask.lossMask();
        double sum = 0;
        for (int i = 0; i < lm.size; i++) sum += lm.get(i);
        assertEquals(3 * 37, sum);
        assertEquals(1f, lm.get(49 + mask.shuffle()[1][20]));
        assertEquals(0f, lm.get(49 + mask.shuffle()[1][3]));
    }

    @Test
    void explicitMasksAreChecked() {
        MaeMask m = MaeMask.of(new int[][]{{2, 0, 1}}, 1);
        assertArrayEquals(new int[]{1, 2, 0}, m.restore()[0]);
        assertTrue(m.masked(0, 0) && !m.masked(0, 2));
        assertThrows(IllegalArgumentException.class, () -> MaeMask.of(new int[][]{{0, 0, 1}}, 1));
        assertThrows(IllegalArgumentException.class, () -> MaeMask.of(new int[][]{{0, 1, 2}}, 0));
        assertThrows(IllegalArgumentException.class, () -> MaeMask.of(new int[][]{{0, 1, 2}, {0, 1}}, 1));
    }

    @Test
    void patchifyUsesRowColumnChannelOrder() {
        Tensor img = Tensor.zeros(1, 2, 4, 4);
        for (int i = 0; i < img.size; i++) img.set(i, i);
        Tensor p = MaePatches.patchify(img, 2);              // [1, 4, 8]
        assertArrayEquals(new int[]{1, 4, 8}, p.shape());
        // patch 1 = grid row 0, column 1: pixels (y 0..1, x 2..3); value of (c, y, x) = c·16 + y·4 + x
        float[] expected = {2, 18, 3, 19, 6, 22, 7, 23};
        assertArrayEquals(expected, Arrays.copyOfRange(p.toArray(), 8, 16));
    }
}
