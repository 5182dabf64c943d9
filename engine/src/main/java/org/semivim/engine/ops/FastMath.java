package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float exp, sigmoid, SiLU (and its slope) and softplus as short polynomials with range reduction,
 * built from IEEE add, multiply, divide, fma, compare-select and exponent-bit arithmetic only. Each
 * function has a scalar form ({@code Math.fma}) and an array form whose vector body performs the
 * SAME operation sequence lane by lane (its tail calls the scalar form), so both give bit-identical
 * results for the same input: a value never depends on where it falls in an array, nor on the
 * vector width. The Vector API's own transcendental operators (SVML) are not used: their results
 * are not specified bit for bit across platforms.
 *
 * <p>Why array forms and no {@code FloatVector} methods: HotSpot C2 (JDK 17) stops inlining a
 * method's callees once the compilation holds ~40,000 IR nodes, and Vector API code is node-hungry;
 * a user method that takes or returns a vector and is not inlined makes every vector a heap object
 * (10–50× slower). The Vector API's own methods are force-inlined past that limit, so vectors stay
 * inside the loop bodies below and only arrays cross method boundaries.
 *
 * <p>Accuracy, measured exhaustively over every float input against {@code Math.exp}/{@code
 * Math.log1p} in double (docs/benchmarks-engine.md; sampled again in FastMathTest): exp ≤ 1.01 ulp
 * (sub-normal results within one sub-normal ulp); sigmoid ≤ 2.5 ulp; softplus ≤ 1.7 ulp; SiLU ≤ 3.4
 * ulp while e^(−|x|) is normal (|x| &lt; 87; beyond, absolute error &lt; 1e-43); SiLU slope within
 * 2 ulp of 1 in absolute terms (it crosses 0 near x = −1.28, where no relative bound holds).
 * The scan's decays use {@link #exp2Decay} (2^x on [−86.6, 0], 0.93 ulp) on arguments pre-scaled
 * by log2 e, which needs no Cody–Waite step. Special values: exp(x) = 0 for x ≤ −104 (the float result underflows there), +∞ for x ≥ 89, NaN
 * for NaN; sigmoid, SiLU and softplus never overflow inside (they only evaluate e^(−|x|)).
 *
 * <p>exp (Cody–Waite reduction): x = k·ln2 + r, |r| ≤ ln2/2, k an integer found with the 1.5·2²³
 * rounding trick; e^r = 1 + r + r²·P4(r), P4 fitted here for the least maximum relative error on
 * [−ln2/2, ln2/2] (0.026 ulp before rounding; one degree below Cephes expf at the same measured 1.01
 * ulp); then 2^k is applied as two exponent-field factors 2^(k−⌊k/2⌋)·2^⌊k/2⌋ so that sub-normal
 * results and k = 128 need no special case ({@link #expDecay} needs only one). softplus: max(x, 0) + log1p(e) with e = e^(−|x|) ∈ (0, 1]; log1p(e) = k·ln2 + log1p(f) with
 * (k, f) = (0, e) below √2 − 1 and (1, (e − 1)/2) above (both f exact, the second by one fma), and
 * the Cephes logf polynomial for log1p(f) on [√½ − 1, √2 − 1].
 */
public final class FastMath {
    private FastMath() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int W = S.length();

    private static final float EXP_LO = -104f;            // exp(−104) < half the least sub-normal → 0
    private static final float EXP_HI = 89f;              // exp(89) > Float.MAX_VALUE → ∞
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 0x1.8p23f;         // adding it rounds |v| < 2²² to an integer
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /**
     * 1.5·2²³ + 127, exact. Rounding with it gives the same k (no ties occur for |x| &lt; 2²²), and the
     * rounded value's bits are ROUND_BITS + 127 + k, whose low 9 bits shifted left by 23 are the float
     * 2^k for −126 ≤ k ≤ 128 (ROUND_BITS has its low 22 bits clear): two integer operations fewer.
     */
    private static final float ROUND_BIASED = ROUND + 127f;
    private static final float LN2_HI = 0.693359375f;     // ln2 = LN2_HI + LN2_LO (LN2_HI has 9 bits: k·LN2_HI is exact)
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float E4 = 0.0013814539415761828f, E3 = 0.00836874544620514f, E2 = 0.04166838899254799f,
            E1 = 0.1666652113199234f, E0 = 0.4999999403953552f;
    private static final float DECAY_FLUSH = -60f;        // expDecay: below this, exactly 0
    /** exp2Decay: below this (−60·log2 e, i.e. decays below e^−60), exactly 0. */
    static final float DECAY2_FLUSH = -86.56170245333781f;
    /** 2^f = 1 + f·P(f) on [−½, ½], P of degree 5 fitted here for the least maximum relative error (0.93 ulp in float). */
    private static final float T6 = 1.5353357593994588e-4f, T5 = 1.3398876180872321e-3f, T4 = 9.618437848985195e-3f,
            T3 = 5.5503323674201965e-2f, T2 = 0.24022647738456726f, T1 = 0.6931471824645996f;
    private static final float SQRT2_M1 = 0.41421356f;    // log1p(e): k = 1 from here on
    private static final float L8 = 7.0376836292e-2f, L7 = -1.1514610310e-1f, L6 = 1.1676998740e-1f,
            L5 = -1.2420140846e-1f, L4 = 1.4249322787e-1f, L3 = -1.6668057665e-1f, L2 = 2.0000714765e-1f,
            L1 = -2.4999993993e-1f, L0 = 3.3333331174e-1f;
    private static final float SOFTPLUS_THRESHOLD = 20f;  // torch: x > 20 → x (vim-spec.md §5)

    // ------------------------------------------------------------------ scalar

    /** e^x in float. */
    public static float exp(float x) {
        x = x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x;
        float rounded = Math.fma(x, LOG2E, ROUND);
        float k = rounded - ROUND;                                   // nearest integer to x·log2(e)
        int ki = Float.floatToRawIntBits(rounded) - ROUND_BITS;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(E4, r, E3), r, E2), r, E1), r, E0);
        float er = Math.fma(p, r * r, r) + 1f;                       // e^r
        int kHalf = ki >> 1;
        float scaleA = Float.intBitsToFloat((ki - kHalf + 127) << 23), scaleB = Float.intBitsToFloat((kHalf + 127) << 23);
        return er * scaleA * scaleB;
    }

    /**
     * The decay e^x of a selective scan, x = Δ·A ≤ 0: e^x, except that results below e^−60 ≈ 9e-27
     * (and x = −∞) are exactly 0. Such decays change a state by less than 1e-26 of itself, and
     * keeping them would let sub-normal numbers into the scan's products, which x86 processes some
     * 40× slower. Same bits as {@link #exp(float)} for x in [−60, 0]. Defined for x ≤ 0 and NaN.
     */
    public static float expDecay(float x) {
        return x < DECAY_FLUSH ? 0f : exp(x);
    }

    /**
     * The decay of a selective scan in base 2: 2^x for x = Δ·A·log2(e) ≤ 0 (A pre-scaled once per
     * call), exactly 0 below {@link #DECAY2_FLUSH} (decays below e^−60, as {@link #expDecay}) and for
     * −∞, NaN for NaN. No Cody–Waite step: x = k + f with k = round(x) and f = x − k exact, then
     * 2^f = 1 + f·P(f) (six fma) and 2^k from the rounding sum's bits. Within 0.94 ulp of 2^x; the
     * rounding of A·log2(e) adds |x|·2^−24 relative, about what rounding Δ·A adds to exp(Δ·A).
     */
    public static float exp2Decay(float x) {
        if (x < DECAY2_FLUSH) return 0f;
        float rounded = x + ROUND_BIASED;
        float k = rounded - ROUND_BIASED;
        float f = x - k;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(T6, f, T5), f, T4), f, T3), f, T2), f, T1);
        float scale = Float.intBitsToFloat(Float.floatToRawIntBits(rounded) << 23);   // 2^k
        return Math.fma(p, f, 1f) * scale;
    }

    /**
     * σ(x) from x and e = e^(−|x|) ∈ (0, 1]: 1/(1 + e) for x ≥ 0 and e/(1 + e) below, so nothing
     * overflows and both tails keep their relative accuracy.
     */
    public static float sigmoid(float x, float expNegAbs) {
        return (x >= 0f ? 1f : expNegAbs) / (1f + expNegAbs);
    }

    public static float sigmoid(float x) {
        return sigmoid(x, exp(-Math.abs(x)));
    }

    /** SiLU x·σ(x) from x and e = e^(−|x|): x/(1 + e) for x ≥ 0, x·e/(1 + e) below. */
    public static float silu(float x, float expNegAbs) {
        return (x >= 0f ? x : x * expNegAbs) / (1f + expNegAbs);
    }

    public static float silu(float x) {
        return silu(x, exp(-Math.abs(x)));
    }

    /**
     * The SiLU slope σ(x)·(1 + x·(1 − σ(x))) from x and e = e^(−|x|). With q = 1/(1 + e), σ and 1 − σ
     * are q and e·q (x ≥ 0) or e·q and q (x &lt; 0): neither is formed as 1 − σ, which would cancel.
     */
    public static float siluSlope(float x, float expNegAbs) {
        float q = 1f / (1f + expNegAbs);
        float eq = expNegAbs * q;
        boolean nonNegative = x >= 0f;
        float s = nonNegative ? q : eq;
        float oneMinusS = nonNegative ? eq : q;
        return s * Math.fma(x, oneMinusS, 1f);
    }

    public static float siluSlope(float x) {
        return siluSlope(x, exp(-Math.abs(x)));
    }

    /** softplus with the torch threshold (x &gt; 20 → x, else log(1 + e^x)) from x and e = e^(−|x|). */
    public static float softplus(float x, float expNegAbs) {
        boolean upper = expNegAbs >= SQRT2_M1;
        float f = upper ? Math.fma(expNegAbs, 0.5f, -0.5f) : expNegAbs;   // 1 + e = 2^k (1 + f), exact
        float k = upper ? 1f : 0f;
        float z = f * f;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                L8, f, L7), f, L6), f, L5), f, L4), f, L3), f, L2), f, L1), f, L0);
        float y = p * f * z;
        y = Math.fma(k, LN2_LO, y);
        y = Math.fma(-0.5f, z, y);
        float log1pE = Math.fma(k, LN2_HI, f + y);
        float value = Math.max(x, 0f) + log1pE;
        return x > SOFTPLUS_THRESHOLD ? x : value;
    }

    public static float softplus(float x) {
        return softplus(x, exp(-Math.abs(x)));
    }

    // ------------------------------------------------------------------ arrays (vector body, scalar tail)

    /** y[yOff + i] = e^(x[xOff + i]) for i &lt; n (y may be x: in place). */
    public static void exp(float[] x, int xOff, float[] y, int yOff, int n) {
        expLoop(x, xOff, y, yOff, n, false, true);
    }

    /**
     * y = {@link #expDecay(float)} of x (arrays of n; y may be x), for x ≤ 0 or NaN. On [−60, 0] the
     * scale 2^k is one exponent-field factor, read straight from the rounding sum's bits
     * ({@code ROUND_BIASED}), and no range clamp is needed: about a third less work than exp.
     */
    public static void expDecay(float[] xs, int xOff, float[] ys, int yOff, int n) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i);
            VectorMask<Float> flush = x.compare(VectorOperators.LT, DECAY_FLUSH);
            FloatVector rounded = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND_BIASED));
            FloatVector k = rounded.sub(ROUND_BIASED);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, E4).fma(r, FloatVector.broadcast(S, E3)).fma(r, FloatVector.broadcast(S, E2))
                    .fma(r, FloatVector.broadcast(S, E1)).fma(r, FloatVector.broadcast(S, E0));
            FloatVector er = p.fma(r.mul(r), r).add(1f);
            FloatVector scale = rounded.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats(); // 2^k
            er.mul(scale).blend(0f, flush).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = expDecay(xs[xOff + i]);
    }

    /**
     * y[yOff + i] = {@link #exp2Decay(float)}(a[aOff + i] · m[mOff + (i / run)·W + i mod W]) for
     * i &lt; n: runs of {@code run} elements (a multiple of W = {@code FloatVector.SPECIES_PREFERRED.length()},
     * and n a multiple of run), each multiplying by the next W-lane row of m. For a scan step: the
     * [N,W] rows of pre-scaled A of consecutive channel blocks times each block's Δ, in one pass
     * (y may be a).
     */
    public static void exp2DecayOfProducts(float[] a, int aOff, float[] m, int mOff, float[] y, int yOff, int n, int run) {
        if (run <= 0 || run % W != 0 || n % run != 0) {
            throw new IllegalArgumentException("exp2DecayOfProducts needs runs of a multiple of " + W + " elements and whole runs, got "
                    + n + " elements in runs of " + run);
        }
        for (int r0 = 0, mi = mOff; r0 < n; r0 += run, mi += W) {
            FloatVector mv = FloatVector.fromArray(S, m, mi);
            for (int i = r0, end = r0 + run; i < end; i += W) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i).mul(mv);
                VectorMask<Float> flush = x.compare(VectorOperators.LT, DECAY2_FLUSH);
                FloatVector rounded = x.add(ROUND_BIASED);
                FloatVector f = x.sub(rounded.sub(ROUND_BIASED));
                FloatVector p = FloatVector.broadcast(S, T6).fma(f, FloatVector.broadcast(S, T5)).fma(f, FloatVector.broadcast(S, T4))
                        .fma(f, FloatVector.broadcast(S, T3)).fma(f, FloatVector.broadcast(S, T2)).fma(f, FloatVector.broadcast(S, T1));
                FloatVector scale = rounded.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats(); // 2^k
                p.fma(f, FloatVector.broadcast(S, 1f)).mul(scale).blend(0f, flush).intoArray(y, yOff + i);
            }
        }
    }

    /** y[yOff + i] = e^(−|x[xOff + i]|) for i &lt; n, the e of the two-argument functions (y may be x). */
    public static void expNegAbs(float[] x, int xOff, float[] y, int yOff, int n) {
        expLoop(x, xOff, y, yOff, n, true, false);   // −|x| ≤ 0: the upper clamp is never needed
    }

    private static void expLoop(float[] xs, int xOff, float[] ys, int yOff, int n, boolean negAbs, boolean clampHigh) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i);
            if (negAbs) x = x.abs().neg();
            x = x.blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO));
            if (clampHigh) x = x.blend(EXP_HI, x.compare(VectorOperators.GT, EXP_HI));
            FloatVector rounded = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND));
            FloatVector k = rounded.sub(ROUND);
            IntVector ki = rounded.reinterpretAsInts().sub(ROUND_BITS);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, E4).fma(r, FloatVector.broadcast(S, E3)).fma(r, FloatVector.broadcast(S, E2))
                    .fma(r, FloatVector.broadcast(S, E1)).fma(r, FloatVector.broadcast(S, E0));
            FloatVector er = p.fma(r.mul(r), r).add(1f);
            IntVector kHalf = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector scaleA = ki.sub(kHalf).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector scaleB = kHalf.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            er.mul(scaleA).mul(scaleB).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = exp(negAbs ? -Math.abs(xs[xOff + i]) : xs[xOff + i]);
    }

    /** y = σ(x) from x and e = e^(−|x|) (arrays of n; y may be x or e). */
    public static void sigmoid(float[] xs, int xOff, float[] es, int eOff, float[] ys, int yOff, int n) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i), e = FloatVector.fromArray(S, es, eOff + i);
            e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f)).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = sigmoid(xs[xOff + i], es[eOff + i]);
    }

    /** y = SiLU(x) from x and e = e^(−|x|) (arrays of n; y may be x or e). */
    public static void silu(float[] xs, int xOff, float[] es, int eOff, float[] ys, int yOff, int n) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i), e = FloatVector.fromArray(S, es, eOff + i);
            x.mul(e).blend(x, x.compare(VectorOperators.GE, 0f)).div(e.add(1f)).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = silu(xs[xOff + i], es[eOff + i]);
    }

    /** y = SiLU′(x) from x and e = e^(−|x|) (arrays of n; y may be x or e). */
    public static void siluSlope(float[] xs, int xOff, float[] es, int eOff, float[] ys, int yOff, int n) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i), e = FloatVector.fromArray(S, es, eOff + i);
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector q = one.div(one.add(e));
            FloatVector eq = e.mul(q);
            VectorMask<Float> nonNegative = x.compare(VectorOperators.GE, 0f);
            FloatVector s = eq.blend(q, nonNegative);
            FloatVector oneMinusS = q.blend(eq, nonNegative);
            s.mul(x.fma(oneMinusS, one)).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = siluSlope(xs[xOff + i], es[eOff + i]);
    }

    /** y = softplus(x) (torch threshold 20) from x and e = e^(−|x|) (arrays of n; y may be x or e). */
    public static void softplus(float[] xs, int xOff, float[] es, int eOff, float[] ys, int yOff, int n) {
        int i = 0;
        for (; i <= n - W; i += W) {
            FloatVector x = FloatVector.fromArray(S, xs, xOff + i), e = FloatVector.fromArray(S, es, eOff + i);
            VectorMask<Float> upper = e.compare(VectorOperators.GE, SQRT2_M1);
            FloatVector f = e.blend(e.fma(FloatVector.broadcast(S, 0.5f), FloatVector.broadcast(S, -0.5f)), upper);
            FloatVector k = FloatVector.zero(S).blend(1f, upper);
            FloatVector z = f.mul(f);
            FloatVector p = FloatVector.broadcast(S, L8).fma(f, FloatVector.broadcast(S, L7))
                    .fma(f, FloatVector.broadcast(S, L6)).fma(f, FloatVector.broadcast(S, L5))
                    .fma(f, FloatVector.broadcast(S, L4)).fma(f, FloatVector.broadcast(S, L3))
                    .fma(f, FloatVector.broadcast(S, L2)).fma(f, FloatVector.broadcast(S, L1))
                    .fma(f, FloatVector.broadcast(S, L0));
            FloatVector y = p.mul(f).mul(z);
            y = k.fma(FloatVector.broadcast(S, LN2_LO), y);
            y = z.fma(FloatVector.broadcast(S, -0.5f), y);
            FloatVector log1pE = k.fma(FloatVector.broadcast(S, LN2_HI), f.add(y));
            FloatVector value = x.max(0f).add(log1pE);
            value.blend(x, x.compare(VectorOperators.GT, SOFTPLUS_THRESHOLD)).intoArray(ys, yOff + i);
        }
        for (; i < n; i++) ys[yOff + i] = softplus(xs[xOff + i], es[eOff + i]);
    }
}
