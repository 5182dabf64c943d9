package org.semivim.gpu;

import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers of the tests that need a CUDA device; they skip with the probe's reason elsewhere. */
final class GpuTesting {
    private GpuTesting() {}

    /** Skips the calling test class unless CUDA is usable, saying why. */
    static CudaBackend requireCuda() {
        CudaAvailability a = CudaProbe.availability();
        assumeTrue(a.available(), "CUDA tests skipped: " + a.reason());
        return OpsProvider.sharedBackend();
    }

    static Tensor random(long seed, double scale, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) (scale * r.nextDouble(-1, 1));
        return t;
    }

    /** max |actual − expected| ≤ tol · max(1, max |expected|): the error relative to the tensor's scale. */
    static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        assertClose(what, expected.toArray(), actual.toArray(), tol);
    }

    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        double scale = 1, worst = 0;
        int at = -1;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        double w = worst, sc = scale;
        int i = at;
        assertTrue(w <= tol * sc, () -> what + ": max error " + w + " at " + i + " (expected " + expected[i] + ", got " + actual[i]
                + ") exceeds " + tol + " × scale " + sc);
    }
}
