package org.semivim.engine.ops;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link FastMath}: the array forms (vector body + scalar tail) give exactly the scalar forms' bits
 * wherever an element falls; accuracy against the double-precision {@code Math} functions; special
 * values. The accuracy limits are the exhaustive maxima over all floats (measured once, recorded
 * in docs/benchmarks-engine.md: exp 1.01 ulp, sigmoid 2.40, softplus 1.68, SiLU 3.39 for |x| &lt; 87,
 * SiLU slope 1.93 ulp of 1 in absolute terms) rounded up a little; here they are checked on 2·10⁶
 * random inputs per function plus the range ends.
 */
class FastMathTest {
    private static final int COUNT = 1 << 21;

    /** An array form: y[0..n) = f(x[0..n)) (using scratch for e^(−|x|) where needed). */
    private interface ArrayForm {
        void apply(float[] x, int xOff, float[] y, int yOff, int n);
    }

    private interface ScalarForm {
        float apply(float x);
    }

    private static final String[] NAMES = {"exp", "expNegAbs", "sigmoid", "silu", "siluSlope", "softplus"};

    private static ScalarForm scalar(String name) {
        switch (name) {
            case "exp": return FastMath::exp;
            case "expNegAbs": return x -> FastMath.exp(-Math.abs(x));
            case "sigmoid": return FastMath::sigmoid;
            case "silu": return FastMath::silu;
            case "siluSlope": return FastMath::siluSlope;
            case "softplus": return FastMath::softplus;
            default: throw new IllegalArgumentException(name);
        }
    }

    private static ArrayForm array(String name) {
        switch (name) {
            case "exp": return FastMath::exp;
            case "expNegAbs": return FastMath::expNegAbs;
            default: return (x, xOff, y, yOff, n) -> {
                float[] e = new float[n];
                FastMath.expNegAbs(x, xOff, e, 0, n);
                switch (name) {
                    case "sigmoid": FastMath.sigmoid(x, xOff, e, 0, y, yOff, n); break;
                    case "silu": FastMath.silu(x, xOff, e, 0, y, yOff, n); break;
                    case "siluSlope": FastMath.siluSlope(x, xOff, e, 0, y, yOff, n); break;
                    default: FastMath.softplus(x, xOff, e, 0, y, yOff, n); break;
                }
            };
        }
    }

    /** Random bit patterns (every float class: normal, sub-normal, ±0, ±∞, NaN) and values in [−120, 120]. */
    private static float[] inputs(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt()) : (float) rnd.nextDouble(-120, 120);
        float[] planted = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, -104f, 89f, 88.72f, -87.34f, 20f, Math.nextUp(20f)};
        System.arraycopy(planted, 0, x, 0, planted.length);
        return x;
    }

    @Test
    void arrayFormsGiveTheScalarBitsAtEveryOffsetAndLength() {
        float[] x = inputs(1, 100_003);
        for (String name : NAMES) {
            ScalarForm f = scalar(name);
            ArrayForm g = array(name);
            // shifting the start moves every element between vector bodies and scalar tails
            for (int shift : new int[] {0, 1, 3, 7, 15, 16, 17}) {
                int n = x.length - shift - (shift % 5);
                float[] y = new float[n + 2];
                g.apply(x, shift, y, 2, n);
                for (int i = 0; i < n; i++) {
                    int want = Float.floatToRawIntBits(f.apply(x[shift + i])), got = Float.floatToRawIntBits(y[2 + i]);
                    boolean bothNaN = Float.isNaN(f.apply(x[shift + i])) && Float.isNaN(y[2 + i]);
                    if (want != got && !bothNaN) {
                        fail(name + " at shift " + shift + ", x = " + x[shift + i] + ": scalar " + f.apply(x[shift + i])
                                + " but array " + y[2 + i]);
                    }
                }
            }
        }
    }

    /** expDecay: exp's bits on [−60, 0], exactly 0 below (and for −∞), NaN for NaN; array = scalar at any offset. */
    @Test
    void expDecayIsExpAboveTheFlushAndZeroBelow() {
        SplittableRandom rnd = new SplittableRandom(2);
        float[] x = new float[10_007];
        for (int i = 0; i < x.length; i++) x[i] = (float) -rnd.nextDouble(0, 120);
        float[] planted = {0f, -0f, -60f, Math.nextDown(-60f), Math.nextUp(-60f), Float.NEGATIVE_INFINITY, Float.NaN, -104f};
        System.arraycopy(planted, 0, x, 0, planted.length);
        for (int shift : new int[] {0, 1, 5, 16}) {
            float[] y = new float[x.length];
            FastMath.expDecay(x, shift, y, 0, x.length - shift);
            for (int i = 0; i < x.length - shift; i++) {
                float v = x[shift + i], want = v < -60f ? 0f : FastMath.exp(v);
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[i]), "x = " + v);
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(FastMath.expDecay(v)), "scalar, x = " + v);
            }
        }
    }

    /** exp2Decay: within 0.94 ulp of 2^x on [−86.56, 0], exactly 0 below (and for −∞), NaN for NaN; the array form over products gives the scalar bits. */
    @Test
    void exp2DecayIsAccurateAboveTheFlushAndZeroBelow() {
        checkAccuracy("exp2Decay", FastMath::exp2Decay, x -> Math.pow(2, x), FastMath.DECAY2_FLUSH, 0, 0.94, false);
        checkAccuracy("exp2Decay near 0", FastMath::exp2Decay, x -> Math.pow(2, x), -2, 0, 0.94, false);
        assertEquals(1f, FastMath.exp2Decay(0f));
        assertEquals(1f, FastMath.exp2Decay(-0f));
        assertEquals(0.5f, FastMath.exp2Decay(-1f));
        assertEquals(0x1p-86f, FastMath.exp2Decay(-86f));
        assertEquals(0f, FastMath.exp2Decay(Math.nextDown(FastMath.DECAY2_FLUSH)));
        assertEquals(0f, FastMath.exp2Decay(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FastMath.exp2Decay(Float.NaN)));
        int w = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom rnd = new SplittableRandom(3);
        float[] a = new float[16 * w], m = new float[4 * w + 3], y = new float[a.length + 5];
        for (int i = 0; i < a.length; i++) a[i] = (float) -rnd.nextDouble(0, 24);
        for (int j = 0; j < m.length; j++) m[j] = (float) rnd.nextDouble(0, 5);
        a[0] = Float.NEGATIVE_INFINITY;
        a[1] = Float.NaN;
        m[3 + 2] = 0f;
        for (int run : new int[] {w, 4 * w}) {
            for (int shift : new int[] {0, 3}) {
                FastMath.exp2DecayOfProducts(a, 0, m, shift, y, 5, run == w ? 3 * w : a.length, run);
                for (int i = 0; i < (run == w ? 3 * w : a.length); i++) {
                    float want = FastMath.exp2Decay(a[i] * m[shift + (i / run) * w + i % w]);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[5 + i]), "element " + i + ", runs of " + run);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> FastMath.exp2DecayOfProducts(a, 0, m, 0, y, 0, w + 1, w + 1));
        assertThrows(IllegalArgumentException.class, () -> FastMath.exp2DecayOfProducts(a, 0, m, 0, y, 0, 3 * w, 2 * w));
    }

    /** |got − exact| in units of the last place of the float nearest to exact (ulp of the least normal below it). */
    private static double ulps(float got, double exact) {
        return Math.abs(got - exact) / Math.max(Math.ulp((float) Math.abs(exact)), Float.MIN_VALUE);
    }

    private static void checkAccuracy(String name, ScalarForm f, DoubleUnaryOperator exact, double lo, double hi,
                                      double limit, boolean absoluteUlpsOfOne) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < COUNT; i++) {
            float x = i == 0 ? (float) lo : i == 1 ? (float) hi : (float) rnd.nextDouble(lo, hi);
            double e = exact.applyAsDouble(x);
            double err = absoluteUlpsOfOne ? Math.abs(f.apply(x) - e) / Math.ulp(1f) : ulps(f.apply(x), e);
            if (err > worst) {
                worst = err;
                worstAt = x;
            }
        }
        assertTrue(worst <= limit, name + ": " + worst + " ulp at x = " + worstAt + " > " + limit);
    }

    private static double sigma(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void accuracyAgainstDoublePrecision() {
        checkAccuracy("exp", FastMath::exp, Math::exp, -104, 88.72, 1.02, false);
        checkAccuracy("exp near 0", FastMath::exp, Math::exp, -1, 1, 1.02, false);
        checkAccuracy("sigmoid", FastMath::sigmoid, FastMathTest::sigma, -87, 87, 2.5, false);
        checkAccuracy("silu", FastMath::silu, x -> x * sigma(x), -87, 87, 3.5, false);
        checkAccuracy("silu slope", FastMath::siluSlope, x -> sigma(x) * (1 + x * (1 - sigma(x))), -87, 87, 2.0, true);
        checkAccuracy("softplus", FastMath::softplus, x -> x > 20 ? x : Math.log1p(Math.exp(x)), -87, 30, 1.75, false);
    }

    @Test
    void specialValues() {
        assertEquals(1f, FastMath.exp(0f));
        assertEquals(1f, FastMath.exp(-0f));
        assertEquals(0f, FastMath.exp(-104f));                        // below half the least sub-normal
        assertEquals(0f, FastMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FastMath.exp(-1e30f));
        assertEquals(Float.POSITIVE_INFINITY, FastMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, FastMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FastMath.exp(Float.NaN)));
        assertTrue(ulps(FastMath.exp(-100f), Math.exp(-100)) <= 1, "sub-normal result");
        assertEquals(1f, FastMath.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(0f, FastMath.sigmoid(Float.NEGATIVE_INFINITY));
        assertEquals(0.5f, FastMath.sigmoid(0f));
        assertTrue(Float.isNaN(FastMath.sigmoid(Float.NaN)));
        assertEquals(0f, FastMath.silu(0f));
        assertEquals(Float.POSITIVE_INFINITY, FastMath.silu(Float.POSITIVE_INFINITY));
        assertEquals(0.5f, FastMath.siluSlope(0f));
        assertEquals(1f, FastMath.siluSlope(1e4f));
        assertEquals(0f, Math.abs(FastMath.siluSlope(-1e4f)));
        assertEquals(20.5f, FastMath.softplus(20.5f));                 // torch threshold: identity above 20
        assertEquals(Float.POSITIVE_INFINITY, FastMath.softplus(Float.POSITIVE_INFINITY));
        assertEquals(0f, FastMath.softplus(Float.NEGATIVE_INFINITY));
        assertEquals((float) Math.log(2), FastMath.softplus(0f));
        assertTrue(Float.isNaN(FastMath.softplus(Float.NaN)));
        assertTrue(Float.isNaN(FastMath.silu(Float.NaN)) && Float.isNaN(FastMath.siluSlope(Float.NaN)));
    }
}
