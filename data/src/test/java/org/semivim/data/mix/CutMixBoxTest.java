package org.semivim.data.mix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** timm's rand_bbox + correct_lam, by hand on 28×28. */
class CutMixBoxTest {
    @Test
    void boxSidesComeFromSqrtOfOneMinusPsi() {
        // psi = 0.75: ratio 0.5, cut 14, centre (14, 14): rows and columns [7, 21), area 196
        CutMixBox b = CutMixBox.of(28, 28, 0.75, 14, 14);
        assertEquals(new CutMixBox(7, 21, 7, 21, 1 - 196.0 / 784), b);
        assertEquals(0.75, b.correctedPsi(), 1e-15);
    }

    @Test
    void oddCutsLoseAPixelAsInTimm() {
        // psi = 0.5: ratio 0.7071…, cut int(19.79) = 19, half = 9 → [5, 23): 18 wide, not 19
        CutMixBox b = CutMixBox.of(28, 28, 0.5, 14, 14);
        assertEquals(5, b.rowLow());
        assertEquals(23, b.rowHigh());
        assertEquals(324, b.area());
        assertEquals(1 - 324.0 / 784, b.correctedPsi(), 1e-15);
    }

    @Test
    void boxesAreClippedAndLambdaCorrected() {
        CutMixBox corner = CutMixBox.of(28, 28, 0.75, 0, 27);
        assertEquals(new CutMixBox(0, 7, 20, 28, 1 - 56.0 / 784), corner);
        assertEquals(1.0, CutMixBox.of(28, 28, 1.0, 3, 3).correctedPsi(), "psi = 1: empty box");
        assertEquals(0, CutMixBox.of(28, 28, 1.0, 3, 3).area());
        CutMixBox full = CutMixBox.of(28, 28, 0.0, 14, 14);  // cut 28, half 14 → [0, 28)
        assertEquals(0.0, full.correctedPsi());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CutMixBox.of(28, 28, Double.NaN, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> CutMixBox.of(28, 28, 1.5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> CutMixBox.of(28, 28, 0.5, 28, 1));
    }
}
