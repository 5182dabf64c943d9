package org.semivim.engine.testing;

import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient checks in double precision (STYLE.md §3). The loss is a function of
 * one double[] that the check perturbs in place; the analytic gradient is compared with central
 * differences element by element.
 */
public final class GradCheck {
    private GradCheck() {}

    /**
     * Checks {@code analytic} (∂loss/∂x) against central differences of {@code loss} at {@code x}.
     * An element passes when |a − n| ≤ atol + rtol·max(|a|, |n|). Every element is checked when
     * {@code x.length ≤ maxChecks}; otherwise {@code maxChecks} evenly spaced elements are.
     * Returns the largest relative error seen.
     */
    public static double check(String what, double[] x, double[] analytic, ToDoubleFunction<double[]> loss,
                               double eps, double rtol, double atol, int maxChecks) {
        if (analytic.length != x.length) fail(what + ": gradient length " + analytic.length + " != " + x.length);
        int stride = Math.max(1, x.length / Math.max(1, maxChecks));
        double worst = 0;
        for (int i = 0; i < x.length; i += stride) {
            double orig = x[i];
            x[i] = orig + eps;
            double lp = loss.applyAsDouble(x);
            x[i] = orig - eps;
            double lm = loss.applyAsDouble(x);
            x[i] = orig;
            double numeric = (lp - lm) / (2 * eps);
            double a = analytic[i];
            double err = Math.abs(a - numeric);
            double scale = Math.max(Math.abs(a), Math.abs(numeric));
            if (err > atol + rtol * scale) {
                fail(String.format("%s: element %d analytic %.10g vs numeric %.10g (abs err %.3g)", what, i, a, numeric, err));
            }
            worst = Math.max(worst, scale == 0 ? 0 : err / scale);
        }
        return worst;
    }

    /** Default tolerances for smooth double-precision functions: eps 1e-6, rtol 1e-6, atol 1e-9, all elements up to 400. */
    public static double check(String what, double[] x, double[] analytic, ToDoubleFunction<double[]> loss) {
        return check(what, x, analytic, loss, 1e-6, 1e-6, 1e-9, 400);
    }

    /** A random projection vector r so that loss = Σ r·y turns a vector-valued function into a scalar. */
    public static double[] randomWeights(long seed, int n) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = rnd.nextDouble(-1, 1);
        return r;
    }
}
