package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Float exp, sigmoid and softplus as short polynomials with range reduction, built from IEEE
 * add, multiply, fma, min/max, compare-select and exponent-bit arithmetic only. Each function has a
 * scalar form ({@code Math.fma}) and a {@link FloatVector} form that performs the SAME operation
 * sequence lane by lane, so both give bit-identical results for the same input: a value does not
 * depend on whether it fell in a vector body or in a scalar tail, nor on the vector width. The
 * vector library's own transcendental operators (SVML) are not used: their results are not
 * specified bit for bit across platforms.
 *
 * <p>Accuracy (measured by {@code FastMathTest} against {@code Math.exp}/{@code Math.log1p} in double,
 * rounded to float; figures in docs/benchmarks-engine.md): exp ≤ 1 ulp for results in the normal
 * range (sub-normal results are within one sub-normal ulp), sigmoid ≤ 2 ulp, softplus ≤ 2 ulp.
 * Special values: exp(x) = 0 for x ≤ −104 (the float result underflows there), +∞ for x ≥ 89 and
 * for +∞, NaN for NaN.
 *
 * <p>exp (Cody–Waite reduction, Cephes expf polynomial): x = k·ln2 + r, |r| ≤ ln2/2, k an integer
 * found with the 1.5·2²³ rounding trick; e^r = 1 + r + r²·P5(r); then 2^k is applied as two
 * exponent-field factors 2^(k−⌊k/2⌋)·2^⌊k/2⌋ so that sub-normal results and k = 128 need no
 * special case. softplus: max(x, 0) + log1p(e) with e = exp(−|x|) ∈ (0, 1]; log1p(e) = k·ln2 +
 * log1p(f) with (k, f) = (0, e) below √2 − 1 and (1, (e − 1)/2) above (both f exact, the second
 * by one fma), and the Cephes logf polynomial for log1p(f) on [√½ − 1, √2 − 1].
 */
public final class FastMath {
    private FastMath() {}

    // exp
    private static final float EXP_LO = -104f;            // exp(−104) < half the least sub-normal → 0
    private static final float EXP_HI = 89f;              // exp(89) > Float.MAX_VALUE → ∞
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 0x1.8p23f;         // adding it rounds |v| < 2²² to an integer
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float LN2_HI = 0.693359375f;     // ln2 = LN2_HI + LN2_LO (LN2_HI has 9 bits: k·LN2_HI is exact)
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float E5 = 1.9875691500e-4f, E4 = 1.3981999507e-3f, E3 = 8.3334519073e-3f,
            E2 = 4.1665795894e-2f, E1 = 1.6666665459e-1f, E0 = 5.0000001201e-1f;
    // log1p on [√½ − 1, √2 − 1]
    private static final float SQRT2_M1 = 0.41421356f;
    private static final float L8 = 7.0376836292e-2f, L7 = -1.1514610310e-1f, L6 = 1.1676998740e-1f,
            L5 = -1.2420140846e-1f, L4 = 1.4249322787e-1f, L3 = -1.6668057665e-1f, L2 = 2.0000714765e-1f,
            L1 = -2.4999993993e-1f, L0 = 3.3333331174e-1f;
    private static final float SOFTPLUS_THRESHOLD = 20f;  // torch: x > 20 → x (vim-spec.md §5)

    // ------------------------------------------------------------------ scalar

    /** e^x in float. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float rounded = Math.fma(x, LOG2E, ROUND);
        float k = rounded - ROUND;                                   // nearest integer to x·log2(e)
        int ki = Float.floatToRawIntBits(rounded) - ROUND_BITS;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(E5, r, E4), r, E3), r, E2), r, E1), r, E0);
        float er = Math.fma(p, r * r, r) + 1f;                       // e^r
        int kHalf = ki >> 1;
        float scaleA = Float.intBitsToFloat((ki - kHalf + 127) << 23), scaleB = Float.intBitsToFloat((kHalf + 127) << 23);
        return er * scaleA * scaleB;
    }

    /** σ(x) = 1 / (1 + e^(−x)). */
    public static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** SiLU x·σ(x), as x / (1 + e^(−x)) (one rounding fewer than x·σ(x)). */
    public static float silu(float x) {
        return silu(x, exp(-x));
    }

    /** SiLU from x and e^(−x) = exp(−x). */
    public static float silu(float x, float expNegX) {
        return x / (1f + expNegX);
    }

    /**
     * The SiLU slope σ(x)·(1 + x·(1 − σ(x))). 1 − σ(x) is formed as e^(−x)·σ(x) for x ≥ 0, where
     * 1 − σ would cancel (σ(10) rounds to within 3 digits of 1), and as 1 − σ for x &lt; 0, where it is
     * exact enough and e^(−x) may be +∞.
     */
    public static float siluSlope(float x) {
        return siluSlope(x, exp(-x));
    }

    /** SiLU slope from x and e^(−x) = exp(−x). */
    public static float siluSlope(float x, float expNegX) {
        float s = 1f / (1f + expNegX);
        float oneMinusS = x < 0f ? 1f - s : expNegX * s;
        return s * Math.fma(x, oneMinusS, 1f);
    }

    /** softplus with the torch threshold: x &gt; 20 → x, else log(1 + e^x). */
    public static float softplus(float x) {
        float e = exp(-Math.abs(x));                                 // (0, 1]
        boolean upper = e >= SQRT2_M1;
        float f = upper ? Math.fma(e, 0.5f, -0.5f) : e;              // 1 + e = 2^k (1 + f), exact
        float k = upper ? 1f : 0f;
        float value = Math.max(x, 0f) + log1pReduced(f, k);
        return x > SOFTPLUS_THRESHOLD ? x : value;
    }

    /** k·ln2 + log1p(f) for f in [√½ − 1, √2 − 1] (Cephes logf). */
    private static float log1pReduced(float f, float k) {
        float z = f * f;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                L8, f, L7), f, L6), f, L5), f, L4), f, L3), f, L2), f, L1), f, L0);
        float y = p * f * z;
        y = Math.fma(k, LN2_LO, y);
        y = Math.fma(-0.5f, z, y);
        return Math.fma(k, LN2_HI, f + y);
    }

    // ------------------------------------------------------------------ vector (same sequences, lane by lane)

    /** e^x lane by lane; bit-identical to {@link #exp(float)}. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI);
        FloatVector rounded = x.fma(LOG2E, ROUND);
        FloatVector k = rounded.sub(ROUND);
        IntVector ki = rounded.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = k.fma(k.broadcast(-LN2_HI), x);
        r = k.fma(k.broadcast(-LN2_LO), r);
        FloatVector p = fma(fma(fma(fma(fma(r.broadcast(E5), r, E4), r, E3), r, E2), r, E1), r, E0);
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        IntVector kHalf = ki.lanewise(VectorOperators.ASHR, 1);
        FloatVector scaleA = ki.sub(kHalf).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector scaleB = kHalf.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(scaleA).mul(scaleB);
    }

    /** σ(x) lane by lane; bit-identical to {@link #sigmoid(float)}. */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector one = x.broadcast(1f);
        return one.div(one.add(exp(x.neg())));
    }

    /** SiLU lane by lane; bit-identical to {@link #silu(float)}. */
    public static FloatVector silu(FloatVector x) {
        return silu(x, exp(x.neg()));
    }

    /** SiLU from x and e^(−x) = exp(−x) (so that SiLU and its slope can share one exp). */
    public static FloatVector silu(FloatVector x, FloatVector expNegX) {
        return x.div(x.broadcast(1f).add(expNegX));
    }

    /** SiLU slope lane by lane; bit-identical to {@link #siluSlope(float)}. */
    public static FloatVector siluSlope(FloatVector x) {
        return siluSlope(x, exp(x.neg()));
    }

    /** SiLU slope from x and e^(−x) = exp(−x). */
    public static FloatVector siluSlope(FloatVector x, FloatVector expNegX) {
        FloatVector one = x.broadcast(1f);
        FloatVector s = one.div(one.add(expNegX));
        FloatVector oneMinusS = expNegX.mul(s).blend(one.sub(s), x.compare(VectorOperators.LT, 0f));
        return s.mul(x.fma(oneMinusS, one));
    }

    /** softplus lane by lane; bit-identical to {@link #softplus(float)}. */
    public static FloatVector softplus(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        VectorMask<Float> upper = e.compare(VectorOperators.GE, SQRT2_M1);
        FloatVector f = e.blend(e.fma(0.5f, -0.5f), upper);
        FloatVector k = x.broadcast(0f).blend(1f, upper);
        FloatVector value = x.max(0f).add(log1pReduced(f, k));
        return value.blend(x, x.compare(VectorOperators.GT, SOFTPLUS_THRESHOLD));
    }

    private static FloatVector log1pReduced(FloatVector f, FloatVector k) {
        FloatVector z = f.mul(f);
        FloatVector p = fma(fma(fma(fma(fma(fma(fma(fma(
                f.broadcast(L8), f, L7), f, L6), f, L5), f, L4), f, L3), f, L2), f, L1), f, L0);
        FloatVector y = p.mul(f).mul(z);
        y = k.fma(k.broadcast(LN2_LO), y);
        y = z.fma(z.broadcast(-0.5f), y);
        return k.fma(k.broadcast(LN2_HI), f.add(y));
    }

    /** a·b + c with one rounding, c broadcast: the lane form of {@code Math.fma(a, b, c)}. */
    private static FloatVector fma(FloatVector a, FloatVector b, float c) {
        return a.fma(b, a.broadcast(c));
    }
}
