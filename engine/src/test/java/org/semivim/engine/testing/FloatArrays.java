package org.semivim.engine.testing;

import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Random test inputs and element-wise closeness checks for float and double arrays. */
public final class FloatArrays {
    private FloatArrays() {}

    /** A tensor of the given shape with values uniform in [lo, hi), reproducible from the seed. */
    public static Tensor uniform(long seed, float lo, float hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rnd.nextDouble(lo, hi);
        return t;
    }

    public static double[] uniformDoubles(long seed, double lo, double hi, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = rnd.nextDouble(lo, hi);
        return d;
    }

    public static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /**
     * Fails unless |actual − expected| ≤ atol + rtol·|expected| for every element (and both are
     * finite where expected is). Returns the largest absolute difference.
     */
    public static double assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            double diff = Math.abs(a - e);
            if (!(diff <= atol + rtol * Math.abs(e))) {
                fail(String.format("%s: element %d expected %.9g but got %.9g (diff %.3g, allowed %.3g)",
                        what, i, e, a, diff, atol + rtol * Math.abs(e)));
            }
            worst = Math.max(worst, diff);
        }
        return worst;
    }

    /**
     * Fails unless |actual − expected| ≤ relTol·max|expected| for every element (NaN fails): a
     * tolerance relative to the array's scale, for results whose small elements are cancellations.
     */
    public static void assertCloseToScale(String what, double[] expected, float[] actual, double relTol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        double tol = relTol * Math.max(scale, 1e-30);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + " element " + i + ": reference " + expected[i] + " vs " + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }

    /** {@link #assertCloseToScale(String, double[], float[], double)} of two tensors' elements. */
    public static void assertCloseToScale(String what, Tensor expected, Tensor actual, double relTol) {
        assertCloseToScale(what, toDouble(expected.toArray()), actual.toArray(), relTol);
    }

    /** Adds noise uniform in [−0.1, 0.1) to every element (e.g. parameters, so no weight is 1 and no bias 0). */
    public static void jitter(Tensor t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.set(i, t.get(i) + (float) rnd.nextDouble(-0.1, 0.1));
    }

    /** Fails unless the two arrays hold exactly the same float bits. */
    public static void assertSameBits(String what, float[] expected, float[] actual) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " differs: " + expected[i] + " vs " + actual[i]);
            }
        }
    }
}
