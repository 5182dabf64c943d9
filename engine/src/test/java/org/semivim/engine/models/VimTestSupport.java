package org.semivim.engine.models;

import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.VimGoldenFixture;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers of the VisionMamba tests: parameter transfer and the float32 tolerances of the fixture manifest. */
final class VimTestSupport {
    private VimTestSupport() {}

    /** Copies the fixture's parameter values into the model's set (names must match). */
    static void loadParams(ParameterSet ps, VimGoldenFixture fx) {
        for (Parameter p : ps.parameters()) {
            float[] v = fx.floats(p.name());
            assertEquals(p.size(), v.length, p.name());
            System.arraycopy(v, 0, p.value().data, p.value().offset, v.length);
        }
    }

    /** The parameter values as doubles keyed by name (the input of VimRef). */
    static Map<String, double[]> doubles(ParameterSet ps) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Parameter p : ps.parameters()) m.put(p.name(), toDouble(p.value().toArray()));
        return m;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /** Standard-normal images [B,C,H,W] from a counter-based stream. */
    static Tensor randomImages(long seed, int batch, VimConfig cfg) {
        Tensor t = Tensor.zeros(batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize());
        CounterRng rng = CounterRng.of(seed, "test.images");
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rng.normal(i);
        return t;
    }

    /** Adds N(0, std²) noise to every parameter (so constant-initialised tensors cannot hide indexing bugs). */
    static void jitter(ParameterSet ps, long seed, double std) {
        CounterRng rng = CounterRng.of(seed, "test.jitter");
        float[] v = ps.flatValues().data;
        for (int i = 0; i < v.length; i++) v[i] += (float) (std * rng.normal(i));
    }

    /** Logits rule of the manifest: |a − e| ≤ 1e-5 + 1e-4·|e| per element. */
    static void assertLogitsClose(String what, float[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 + 1e-4 * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(String.format("%s[%d]: %.8g vs expected %.8g (tol %.2g)", what, i, actual[i], expected[i], tol));
            }
        }
    }

    /** Gradient rule of the manifest: |a − e| ≤ 1e-4·max|e| per element (max over the tensor). */
    static void assertGradClose(String what, float[] expected, double[] actual) {
        assertGradClose(what, expected, actual, 1e-4);
    }

    static void assertGradClose(String what, float[] expected, double[] actual, double rel) {
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 0;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        double tol = rel * max;
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(String.format("%s[%d]: %.8g vs expected %.8g (tol %.2g = %.0e × max %.3g)", what, i, actual[i],
                        expected[i], tol, rel, max));
            }
        }
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }
}
