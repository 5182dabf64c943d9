package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each tone op on small images against values worked out by hand from Pillow's definitions. */
class ToneOpsTest {
    private static final GrayImage RAMP = GrayImage.of(new int[][] {{50, 100}, {150, 100}});

    @Test
    void autoContrastStretchesMinToZeroAndMaxTo255() {
        // scale = 255/100, offset = -50·scale: 50 → 0, 100 → int(127.5 - tiny) = 127, 150 → 255
        assertArrayEquals(new int[][] {{0, 127}, {255, 127}}, ToneOps.autoContrast(RAMP).toRows());
        GrayImage flat = GrayImage.blank(3, 3, 77);
        assertEquals(flat, ToneOps.autoContrast(flat), "one grey level: identity");
        GrayImage full = GrayImage.of(new int[][] {{0, 255, 31}});
        assertEquals(full, ToneOps.autoContrast(full), "already 0..255: identity");
    }

    @Test
    void equalizeUsesPillowsStepRule() {
        // 32×32 image: 256 pixels each of 0, 100, 200, 250. step = (1024 − 256) div 256 = 3, n starts at 1:
        // lut[0] = 1 div 3 = 0; lut[1..100] = 257 div 3 = 85; lut[101..200] = 513 div 3 = 171; lut[201..250] = 769 div 3 = 256 → 255.
        byte[] p = new byte[1024];
        int[] levels = {0, 100, 200, 250};
        for (int i = 0; i < 1024; i++) p[i] = (byte) levels[i / 256];
        GrayImage eq = ToneOps.equalize(new GrayImage(32, 32, p));
        assertEquals(0, eq.get(0, 0));
        assertEquals(85, eq.get(0, 8));
        assertEquals(171, eq.get(0, 16));
        assertEquals(255, eq.get(0, 24));
        // Small images: step = 0 → identity; a single level → identity.
        assertEquals(RAMP, ToneOps.equalize(RAMP));
        assertEquals(GrayImage.blank(40, 40, 9), ToneOps.equalize(GrayImage.blank(40, 40, 9)));
    }

    @Test
    void posterizeKeepsTheTopBits() {
        GrayImage img = GrayImage.of(new int[][] {{0xAB, 200, 100, 255}});
        assertArrayEquals(new int[][] {{0xA0, 192, 96, 240}}, ToneOps.posterize(img, 4).toRows());
        assertArrayEquals(new int[][] {{128, 128, 0, 128}}, ToneOps.posterize(img, 1).toRows());
        assertEquals(img, ToneOps.posterize(img, 8));
        assertThrows(IllegalArgumentException.class, () -> ToneOps.posterize(img, 0));
    }

    @Test
    void solarizeInvertsAtAndAboveTheThreshold() {
        GrayImage img = GrayImage.of(new int[][] {{0, 127, 128, 200, 255}});
        assertArrayEquals(new int[][] {{0, 127, 127, 55, 0}}, ToneOps.solarize(img, 128).toRows());
        assertEquals(img, ToneOps.solarize(img, 256), "threshold 256: nothing is inverted");
        assertArrayEquals(new int[][] {{255, 128, 127, 55, 0}}, ToneOps.solarize(img, 0).toRows());
    }

    @Test
    void brightnessBlendsWithBlackAndTruncates() {
        GrayImage img = GrayImage.of(new int[][] {{255, 3, 100}});
        assertArrayEquals(new int[][] {{127, 1, 50}}, ToneOps.brightness(img, 0.5).toRows());
        assertArrayEquals(new int[][] {{0, 0, 0}}, ToneOps.brightness(img, 0).toRows());
        assertEquals(img, ToneOps.brightness(img, 1));
        assertArrayEquals(new int[][] {{255, 4, 150}}, ToneOps.brightness(img, 1.5).toRows(), "clipped at 255");
    }

    @Test
    void contrastBlendsWithTheRoundedMean() {
        GrayImage img = GrayImage.of(new int[][] {{0, 100}, {0, 101}});
        // mean = 201/4 = 50.25 → int(50.75) = 50; factor 0.5: 50 + 0.5(0 − 50) = 25, 50 + 0.5·50 = 75, 50 + 0.5·51 = 75.5 → 75
        assertArrayEquals(new int[][] {{25, 75}, {25, 75}}, ToneOps.contrast(img, 0.5).toRows());
        assertArrayEquals(new int[][] {{50, 50}, {50, 50}}, ToneOps.contrast(img, 0).toRows());
        assertEquals(img, ToneOps.contrast(img, 1));
    }

    @Test
    void colorIsTheIdentityOnGrayscale() {
        assertEquals(RAMP, ToneOps.color(RAMP, 0.05));
        assertEquals(RAMP, ToneOps.color(RAMP, 0.95));
    }

    @Test
    void smoothAndSharpness() {
        int[][] rows = new int[5][5];
        rows[2][2] = 130;
        GrayImage dot = GrayImage.of(rows);
        GrayImage smooth = ToneOps.smooth(dot);
        assertEquals(50, smooth.get(2, 2), "0.5 + 130·5/13 = 50.5 → 50");
        assertEquals(10, smooth.get(1, 1), "0.5 + 130/13 = 10.5 → 10");
        assertEquals(10, smooth.get(3, 2));
        assertEquals(0, smooth.get(0, 0), "border copied");
        rows[0][0] = 200;
        assertEquals(200, ToneOps.smooth(GrayImage.of(rows)).get(0, 0), "border pixels are copied, not filtered");

        assertEquals(dot, ToneOps.sharpness(dot, 1));
        assertEquals(smooth, ToneOps.sharpness(dot, 0));
        // factor 2: 50 + 2(130 − 50) = 210 at the centre; 10 + 2(0 − 10) = −10 → 0 around it
        GrayImage sharp = ToneOps.sharpness(dot, 2);
        assertEquals(210, sharp.get(2, 2));
        assertEquals(0, sharp.get(1, 1));
    }
}
