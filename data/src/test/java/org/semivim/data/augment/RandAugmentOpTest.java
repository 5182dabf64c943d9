package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The magnitudes of ssl-spec.md §1.2 for every level 1..9, computed by [FM-k]'s formulas by hand. */
class RandAugmentOpTest {
    @Test
    void poolOrderIsFixMatchs() {
        assertEquals(14, RandAugmentOp.values().length);
        assertEquals(RandAugmentOp.AUTO_CONTRAST, RandAugmentOp.values()[0]);
        assertEquals(RandAugmentOp.IDENTITY, RandAugmentOp.values()[5]);
        assertEquals(RandAugmentOp.TRANSLATE_Y, RandAugmentOp.values()[13]);
    }

    @Test
    void integerMagnitudes() {
        int[] posterizeBits = new int[9];
        int[] solarizeThreshold = new int[9];
        int[] rotateDegrees = new int[9];
        for (int v = 1; v <= 9; v++) {
            posterizeBits[v - 1] = RandAugmentOp.POSTERIZE.intMagnitude(v);
            solarizeThreshold[v - 1] = 256 - RandAugmentOp.SOLARIZE.intMagnitude(v);
            rotateDegrees[v - 1] = RandAugmentOp.ROTATE.intMagnitude(v);
        }
        // posterize: int(0.4v) + 4; levels 1..9 give 4..7 bits (8 would need v = 10)
        assertArrayEquals(new int[] {4, 4, 5, 5, 6, 6, 6, 7, 7}, posterizeBits);
        // solarize: 256 − int(25.6v)
        assertArrayEquals(new int[] {231, 205, 180, 154, 128, 103, 77, 52, 26}, solarizeThreshold);
        assertArrayEquals(new int[] {3, 6, 9, 12, 15, 18, 21, 24, 27}, rotateDegrees);
    }

    @Test
    void floatMagnitudes() {
        assertEquals(0.14, RandAugmentOp.BRIGHTNESS.floatMagnitude(1), 1e-12);
        assertEquals(0.86, RandAugmentOp.CONTRAST.floatMagnitude(9), 1e-12);
        assertEquals(0.5, RandAugmentOp.SHARPNESS.floatMagnitude(5), 1e-12);
        assertEquals(0.27, RandAugmentOp.SHEAR_X.floatMagnitude(9), 1e-12);
        assertEquals(0.03, RandAugmentOp.TRANSLATE_Y.floatMagnitude(1), 1e-12);
    }

    @Test
    void signedOpsUseTheSignAndTranslateTruncatesTowardZero() {
        GrayImage img = GrayImage.of(new int[28][28]);
        for (int x = 0; x < 28; x++) img.set(x, 0, x + 1);
        // level 9: int(0.27·28) = int(7.56) = 7 pixels; negative: int(−7.56) = −7
        assertEquals(GeometryOps.translateX(img, 7), RandAugmentOp.TRANSLATE_X.apply(img, 9, false));
        assertEquals(GeometryOps.translateX(img, -7), RandAugmentOp.TRANSLATE_X.apply(img, 9, true));
        assertEquals(GeometryOps.rotate(img, -12), RandAugmentOp.ROTATE.apply(img, 4, true));
        assertEquals(GeometryOps.shearY(img, -0.15), RandAugmentOp.SHEAR_Y.apply(img, 5, true));
        assertEquals(ToneOps.solarize(img, 26), RandAugmentOp.SOLARIZE.apply(img, 9, true), "sign ignored by unsigned ops");
        assertSame(img, RandAugmentOp.IDENTITY.apply(img, 3, false));
    }
}
