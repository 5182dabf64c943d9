package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.testing.FloatArrays.assertSameBits;
import static org.semivim.engine.testing.FloatArrays.uniform;

/** Dropout and DropPath: reproducible masks, eval identity, timm scaling, backward = same mask. */
class DropoutAndDropPathTest {
    private static final CounterRng RNG = CounterRng.of(42, "drop-path").derive(7 /* step */, 3 /* layer */);

    @Test
    void dropPathMaskIsAFunctionOfTheCoordinates() {
        DropPath dp = new DropPath(0.3);
        Tensor x = uniform(1, -1f, 1f, 64, 5, 4);
        DropPath.Output a = dp.forward(x, true, RNG, 1000);
        DropPath.Output b = dp.forward(x, true, CounterRng.of(42, "drop-path").derive(7, 3), 1000);
        assertArrayEquals(a.mask().kept(), b.mask().kept());
        assertSameBits("same coordinates, same output", a.y().data, b.y().data);
        DropPath.Output other = dp.forward(x, true, RNG, 1064); // the next batch's counters
        assertFalse(java.util.Arrays.equals(a.mask().kept(), other.mask().kept()), "other counters, other mask");
        DropPath.Output otherStep = dp.forward(x, true, CounterRng.of(42, "drop-path").derive(8, 3), 1000);
        assertFalse(java.util.Arrays.equals(a.mask().kept(), otherStep.mask().kept()), "other step, other mask");
    }

    @Test
    void dropPathScalesWholeSamplesAsTimm() {
        double rate = 0.25;
        DropPath dp = new DropPath(rate);
        Tensor x = uniform(2, -1f, 1f, 400, 3, 2);
        DropPath.Output out = dp.forward(x, true, RNG, 0);
        float keep = (float) (1 - rate);
        int kept = 0;
        for (int b = 0; b < 400; b++) {
            float m = out.mask().kept()[b];
            assertTrue(m == 0f || m == 1f);
            // U_b decides: floor(keep + U) = 1 exactly when U ≥ rate
            assertEquals(RNG.uniformDouble(b) >= rate ? 1f : 0f, m, "sample " + b);
            kept += (int) m;
            for (int i = 0; i < 6; i++) {
                int idx = b * 6 + i;
                assertEquals(x.data[idx] / keep * m, out.y().data[idx], 0f, "mask shape (B,1,1): whole sample " + b);
            }
        }
        // Binomial(400, 0.75): mean 300, sd ≈ 8.7; 5 sd either side
        assertTrue(Math.abs(kept - 300) < 44, "kept " + kept + " of 400");
    }

    @Test
    void dropPathBackwardUsesTheForwardMask() {
        DropPath dp = new DropPath(0.4);
        Tensor x = uniform(3, -1f, 1f, 16, 7), dy = uniform(4, -1f, 1f, 16, 7);
        DropPath.Output out = dp.forward(x, true, RNG, 77);
        Tensor dx = uniform(5, -1f, 1f, 16, 7), before = dx.copy();
        dp.backward(out.mask(), dy, dx);
        for (int b = 0; b < 16; b++) {
            for (int i = 0; i < 7; i++) {
                int k = b * 7 + i;
                assertEquals(before.data[k] + dy.data[k] / out.mask().keep() * out.mask().kept()[b], dx.data[k], 0f);
            }
        }
        // y is linear in x with a diagonal map, so ⟨dy, y⟩ = ⟨backward(dy), x⟩ (the adjoint identity),
        // up to the float rounding of x/keep and dy/keep (~1e-7 relative per term)
        Tensor g = Tensor.zeros(16, 7);
        dp.backward(out.mask(), dy, g);
        assertEquals(dot(dy, out.y()), dot(g, x), 1e-6 * Math.abs(dot(dy, out.y())));
    }

    /** maskFor is the mask forward would apply (VisionMamba fuses the scaling into its residual add). */
    @Test
    void maskForIsTheForwardMask() {
        DropPath dp = new DropPath(0.3);
        Tensor x = uniform(2, -1f, 1f, 64, 5, 4);
        DropPath.Mask m = dp.maskFor(x, true, RNG, 1000);
        DropPath.Output out = dp.forward(x, true, RNG, 1000);
        assertArrayEquals(out.mask().kept(), m.kept());
        assertEquals(out.mask().keep(), m.keep());
        assertNull(dp.maskFor(x, false, RNG, 1000), "evaluation: identity");
        assertNull(new DropPath(0).maskFor(x, true, RNG, 1000), "rate 0: identity");
        assertThrows(IllegalArgumentException.class, () -> dp.maskFor(Tensor.zeros(new int[0]), true, RNG, 0));
    }

    /** backwardInto writes what backward leaves in a zero dx, bit for bit (signed zeros included), whatever dx held. */
    @Test
    void backwardIntoEqualsBackwardIntoZeros() {
        DropPath dp = new DropPath(0.5);
        Tensor dy = uniform(3, -1f, 1f, 32, 6, 5);
        for (int i = 0; i < 30; i++) dy.data[i] = -0f;                      // −0 in: 0 + (−0) is +0, as in the zero-filled dx
        for (DropPath.Mask mask : new DropPath.Mask[] {dp.maskFor(dy, true, RNG, 0), null}) {
            Tensor want = Tensor.zeros(32, 6, 5);
            dp.backward(mask, dy, want);
            Tensor got = uniform(4, -9f, 9f, 32, 6, 5);                     // garbage: must be overwritten
            dp.backwardInto(mask, dy, got);
            assertSameBits(mask == null ? "identity" : "masked", want.data, got.data);
        }
        assertThrows(IllegalArgumentException.class, () -> dp.backwardInto(null, dy, Tensor.zeros(32, 6)));
    }

    @Test
    void dropPathIsTheIdentityInEvaluationAndAtRateZero() {
        Tensor x = uniform(6, -1f, 1f, 8, 3), dy = uniform(7, -1f, 1f, 8, 3);
        DropPath.Output eval = new DropPath(0.5).forward(x, false, RNG, 0);
        assertSame(x, eval.y());
        assertNull(eval.mask());
        DropPath.Output zero = new DropPath(0).forward(x, true, RNG, 0);
        assertSame(x, zero.y());
        Tensor dx = Tensor.zeros(8, 3);
        new DropPath(0.5).backward(null, dy, dx);
        assertSameBits("identity backward", dy.data, dx.data);
        assertThrows(IllegalArgumentException.class, () -> new DropPath(1.0));
        assertThrows(IllegalArgumentException.class, () -> new DropPath(-0.1));
    }

    @Test
    void dropoutMasksElementsReproduciblyAndScalesByOneOverKeep() {
        Dropout d = new Dropout(0.2);
        Tensor x = uniform(8, -1f, 1f, 50, 40);
        Dropout.Output a = d.forward(x, true, RNG, 5);
        Dropout.Output b = d.forward(x, true, CounterRng.of(42, "drop-path").derive(7, 3), 5);
        assertSameBits("same coordinates, same mask", a.mask().data, b.mask().data);
        float scale = 1f / 0.8f;
        int kept = 0;
        for (int i = 0; i < x.size; i++) {
            float m = a.mask().data[i];
            assertEquals(RNG.uniformDouble(5 + i) < 0.8 ? scale : 0f, m, 0f, "element " + i);
            assertEquals(x.data[i] * m, a.y().data[i], 0f);
            if (m != 0) kept++;
        }
        // Binomial(2000, 0.8): mean 1600, sd ≈ 17.9; 5 sd either side
        assertTrue(Math.abs(kept - 1600) < 90, "kept " + kept);
        Dropout.Output shifted = d.forward(x, true, RNG, 6);
        assertFalse(java.util.Arrays.equals(a.mask().data, shifted.mask().data));
    }

    @Test
    void dropoutBackwardUsesTheForwardMaskAndEvalIsIdentity() {
        Dropout d = new Dropout(0.5);
        Tensor x = uniform(9, -1f, 1f, 6, 5), dy = uniform(10, -1f, 1f, 6, 5);
        Dropout.Output out = d.forward(x, true, RNG, 0);
        Tensor dx = Tensor.zeros(6, 5);
        d.backward(out.mask(), dy, dx);
        for (int i = 0; i < x.size; i++) assertEquals(dy.data[i] * out.mask().data[i], dx.data[i], 0f);
        assertEquals(dot(dy, out.y()), dot(dx, x), 1e-6 * Math.abs(dot(dy, out.y()))); // adjoint identity

        Dropout.Output eval = d.forward(x, false, RNG, 0);
        assertSame(x, eval.y());
        assertNull(eval.mask());
        Tensor dxEval = Tensor.zeros(6, 5);
        d.backward(null, dy, dxEval);
        assertSameBits("identity backward", dy.data, dxEval.data);
        assertThrows(IllegalArgumentException.class, () -> d.backward(out.mask(), dy, Tensor.zeros(29)));
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size; i++) s += (double) a.data[a.offset + i] * b.data[b.offset + i];
        return s;
    }
}
