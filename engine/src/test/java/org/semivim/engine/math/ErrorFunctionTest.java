package org.semivim.engine.math;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cody's erf/erfc against values from Python's math.erf / math.erfc (correctly rounded C library). */
class ErrorFunctionTest {
    // {x, erf(x), erfc(x)}
    private static final double[][] KNOWN = {
            {0.1, 0.1124629160182849, 0.8875370839817152},
            {0.46875, 0.49261347321793797, 0.507386526782062},
            {0.5, 0.5204998778130465, 0.4795001221869535},
            {1, 0.8427007929497149, 0.15729920705028513},
            {2, 0.9953222650189527, 0.004677734981047265},
            {3.5, 0.9999992569016276, 7.430983723414128e-07},
            {4, 0.9999999845827421, 1.541725790028002e-08},
            {4.5, 0.9999999998033839, 1.9661604415428873e-10},
            {6, 1.0, 2.1519736712498916e-17},
            {-0.3, -0.3286267594591274, 1.3286267594591274},
            {-1.7, -0.9837904585907745, 1.9837904585907746},
    };

    @Test
    void erfAndErfcMatchKnownValuesToAFewUlps() {
        for (double[] k : KNOWN) {
            double x = k[0];
            assertEquals(k[1], ErrorFunction.erf(x), 4 * Math.ulp(k[1]), "erf(" + x + ")");
            assertEquals(k[2], ErrorFunction.erfc(x), 8 * Math.ulp(k[2]), "erfc(" + x + ")");
        }
    }

    @Test
    void erfcKeepsRelativeAccuracyInTheTail() {
        assertEquals(2.088487583762545e-45, ErrorFunction.erfc(10), 1e-14 * 2.088487583762545e-45);
        assertEquals(5.663192408856143e-296, ErrorFunction.erfc(26), 1e-13 * 5.663192408856143e-296);
        assertEquals(0.0, ErrorFunction.erfc(30), 0.0);
        assertEquals(2.0, ErrorFunction.erfc(-30), 0.0);
    }

    @Test
    void erfIsOddAndBounded() {
        for (double x = -8; x <= 8; x += 0.037) {
            double e = ErrorFunction.erf(x);
            assertEquals(-e, ErrorFunction.erf(-x), 0.0);
            assertTrue(Math.abs(e) <= 1.0);
            assertEquals(1.0, e + ErrorFunction.erfc(x), 2e-16);
        }
        assertTrue(Double.isNaN(ErrorFunction.erf(Double.NaN)));
    }

    @Test
    void normalCdfMatchesKnownValues() {
        assertEquals(0.8413447460685429, ErrorFunction.normalCdf(1), 2e-16);
        assertEquals(0.5, ErrorFunction.normalCdf(0), 0.0);
        assertEquals(0.15865525393145707, ErrorFunction.normalCdf(-1), 1e-16);
    }
}
