package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.semivim.engine.testing.GradCheck;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Finite-difference checks (double) of SiLU, GELU and softplus, and GELU against known values. */
class ActivationRefTest {
    /** Points over the useful range; none within the FD step (1e-6) of the softplus threshold 20. */
    private static final double[] POINTS = {-30, -12, -5, -2.5, -1, -0.3, -1e-3, 0, 1e-3, 0.2, 0.7, 1, 2.2, 4.5, 8,
            15, 19.5, 19.999, 20.001, 20.5, 25, 40};

    /**
     * One check per point (loss = f(x)), so the finite-difference rounding error of each check scales
     * with that point's own value rather than with the largest value in the set.
     */
    private static void check(String what, DoubleUnaryOperator f, DoubleUnaryOperator grad) {
        for (double point : POINTS) {
            double[] x = {point};
            double[] analytic = {grad.applyAsDouble(point)};
            GradCheck.check(what + " at " + point, x, analytic, xv -> f.applyAsDouble(xv[0]));
        }
    }

    @Test
    void siluGradientMatchesFiniteDifferences() {
        check("silu", ActivationRef::silu, ActivationRef::siluGrad);
    }

    @Test
    void geluGradientMatchesFiniteDifferences() {
        check("gelu", ActivationRef::gelu, ActivationRef::geluGrad);
    }

    @Test
    void softplusGradientMatchesFiniteDifferencesAroundAndAboveTheThreshold() {
        check("softplus", ActivationRef::softplus, ActivationRef::softplusGrad);
    }

    @Test
    void softplusFollowsTheTorchThreshold() {
        assertEquals(20.5, ActivationRef.softplus(20.5), 0.0);
        assertEquals(1.0, ActivationRef.softplusGrad(20.5), 0.0);
        assertEquals(Math.log1p(Math.exp(20.0)), ActivationRef.softplus(20.0), 0.0); // 20 itself is not above it
        assertEquals(Math.log1p(Math.exp(19.5)), ActivationRef.softplus(19.5), 0.0);
        assertEquals(Math.log(2), ActivationRef.softplus(0), 1e-16);
    }

    @Test
    void geluMatchesKnownValues() {
        // x·Φ(x) from Python: 0.5*x*math.erfc(-x/math.sqrt(2))
        assertEquals(0.8413447460685429, ActivationRef.gelu(1), 2e-16);
        assertEquals(-0.15865525393145707, ActivationRef.gelu(-1), 1e-16);
        assertEquals(0.34573123063700656, ActivationRef.gelu(0.5), 1e-16);
        assertEquals(2.99595030590511, ActivationRef.gelu(3), 1e-15);
        assertEquals(-0.004049694094890287, ActivationRef.gelu(-3), 1e-17);
        assertEquals(-7.619853024160593e-23, ActivationRef.gelu(-10), 1e-35); // left tail keeps relative accuracy
        assertEquals(0.0, ActivationRef.gelu(0), 0.0);
    }

    @Test
    void siluMatchesItsDefinition() {
        assertEquals(1 / (1 + Math.exp(-1)), ActivationRef.silu(1), 1e-16);
        assertEquals(0.5, ActivationRef.siluGrad(0), 1e-16); // σ(0)·(1 + 0)
        assertEquals(-30 / (1 + Math.exp(30)), ActivationRef.silu(-30), 1e-27);
    }
}
