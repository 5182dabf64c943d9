package org.semivim.engine.optim;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradClipTest {

    @Test
    void normOfAKnownVector() {
        Tensor g = Tensor.wrap(new float[] {3f, -4f, 0f, 12f}, 2, 2);
        assertEquals(13.0, GradClip.globalNorm(g), 0.0);
        float[] before = g.toArray();
        assertEquals(13.0, GradClip.clip(g, 20.0), 0.0);
        assertArrayEquals(before, g.toArray(), "below the limit nothing changes");
    }

    @Test
    void clipsAboveTheLimitLikeTorch() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("a.weight", 300, 500);
        b.declare("a.bias", 17);
        ParameterSet set = b.build();
        CounterRng rng = CounterRng.of(1, "clip test");
        float[] g = set.flatGrads().data;
        double sum = 0;
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) rng.normal(i);
            sum += (double) g[i] * g[i];
        }
        float[] before = g.clone();
        double expectedNorm = Math.sqrt(sum);
        double norm = GradClip.clip(set, 3.0);
        // sum order differs from the sequential one only by double rounding
        assertEquals(expectedNorm, norm, 1e-12 * expectedNorm);
        float scale = (float) (3.0 / (norm + GradClip.EPS));    // torch: max_norm / (total_norm + 1e-6)
        for (int i = 0; i < g.length; i++) assertEquals(before[i] * scale, g[i], 0f);
        assertEquals(3.0, GradClip.globalNorm(set.flatGrads()), 1e-5, "after clipping the norm is the limit");
    }

    @Test
    void nonFiniteNormSignalsNaNAndLeavesGradientsAlone() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Tensor g = Tensor.wrap(new float[] {100f, bad, -50f}, 3);
            float[] before = g.toArray();
            assertTrue(Double.isNaN(GradClip.clip(g, 1.0)), "bad value " + bad);
            assertArrayEquals(before, g.toArray());
        }
    }

    @Test
    void viewOffsetIsRespected() {
        float[] storage = {1000f, 3f, 4f, 1000f};
        Tensor g = Tensor.view(storage, 1, 2);
        assertEquals(5.0, GradClip.clip(g, 1.0), 0.0);
        assertEquals(1000f, storage[0]);
        assertEquals(1000f, storage[3]);
        assertEquals(1.0, GradClip.globalNorm(g), 1e-6);
    }

    @Test
    void sameBitsForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            float[] data = new float[300_001];
            CounterRng rng = CounterRng.of(2, "clip threads");
            for (int i = 0; i < data.length; i++) data[i] = (float) rng.normal(i);
            Parallel.setThreads(1);
            Tensor one = Tensor.wrap(data.clone(), data.length);
            double n1 = GradClip.clip(one, 1.0);
            Parallel.setThreads(3);
            Tensor three = Tensor.wrap(data.clone(), data.length);
            double n3 = GradClip.clip(three, 1.0);
            assertEquals(Double.doubleToRawLongBits(n1), Double.doubleToRawLongBits(n3));
            assertArrayEquals(one.toArray(), three.toArray());
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void rejectsBadLimit() {
        Tensor g = Tensor.zeros(3);
        assertThrows(IllegalArgumentException.class, () -> GradClip.clip(g, 0));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clip(g, Double.NaN));
    }
}
