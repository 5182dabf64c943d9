package org.semivim.engine.math;

/**
 * erf and erfc in double precision. Java has no erf, and exact GELU needs one accurate enough that
 * the double-precision finite-difference checks see no approximation error, so this is W. J. Cody's
 * rational Chebyshev approximation ("Rational Chebyshev approximations for the error function",
 * Math. Comp. 23 (1969) 631–638; netlib specfun CALERF), about 1e-16 relative on its three ranges:
 * |x| ≤ 0.46875 (erf directly), 0.46875 &lt; |x| ≤ 4 and |x| &gt; 4 (erfc·exp(x²), then scaled).
 * The one function every GELU in the engine uses (reference and fast backends alike).
 */
public final class ErrorFunction {
    private ErrorFunction() {}

    private static final double ONE_OVER_SQRT_PI = 5.6418958354775628695e-1;
    private static final double SQRT_HALF = 0.70710678118654752440;
    /** Beyond this |x|, erfc(x) underflows in double (CALERF's XBIG). */
    private static final double ERFC_UNDERFLOW = 26.543;

    // erf on [0, 0.46875]
    private static final double[] A = {3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
            3.20937758913846947e03, 1.85777706184603153e-1};
    private static final double[] B = {2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03};
    // erfc·exp(x²) on (0.46875, 4]
    private static final double[] C = {5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
            2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03,
            1.23033935479799725e03, 2.15311535474403846e-8};
    private static final double[] D = {1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
            1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03,
            1.23033935480374942e03};
    // erfc·exp(x²)·x on (4, ∞), as a rational function of 1/x²
    private static final double[] P = {3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
            1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2};
    private static final double[] Q = {2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3};

    /** The error function. */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double y = Math.abs(x);
        if (y <= 0.46875) return erfSmall(x);
        double r = 1.0 - erfcPositive(y); // erfc(y) < 0.51 here, so no cancellation
        return x < 0 ? -r : r;
    }

    /** The complementary error function 1 − erf(x), accurate in relative terms also for large x. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        double y = Math.abs(x);
        if (y <= 0.46875) return 1.0 - erfSmall(x);
        double r = erfcPositive(y);
        return x < 0 ? 2.0 - r : r;
    }

    /** Standard normal CDF Φ(x) = erfc(−x/√2)/2 (accurate in relative terms in the left tail). */
    public static double normalCdf(double x) {
        return 0.5 * erfc(-x * SQRT_HALF);
    }

    private static double erfSmall(double x) {
        double z = x * x;
        double num = A[4] * z, den = z;
        for (int i = 0; i < 3; i++) {
            num = (num + A[i]) * z;
            den = (den + B[i]) * z;
        }
        return x * (num + A[3]) / (den + B[3]);
    }

    /** erfc(y) for y &gt; 0.46875. */
    private static double erfcPositive(double y) {
        if (y >= ERFC_UNDERFLOW) return 0.0;
        double scaled; // erfc(y)·exp(y²)
        if (y <= 4.0) {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++) {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            scaled = (num + C[7]) / (den + D[7]);
        } else {
            double z = 1.0 / (y * y);
            double num = P[5] * z, den = z;
            for (int i = 0; i < 4; i++) {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            double r = z * (num + P[4]) / (den + Q[4]);
            scaled = (ONE_OVER_SQRT_PI - r) / y;
        }
        // exp(−y²) split as exp(−s²)·exp(−(y−s)(y+s)) with s = y rounded down to 1/16, so the
        // rounding error of y² is not amplified by the exponential (as CALERF does).
        double s = Math.floor(y * 16.0) / 16.0;
        double del = (y - s) * (y + s);
        return Math.exp(-s * s) * Math.exp(-del) * scaled;
    }
}
