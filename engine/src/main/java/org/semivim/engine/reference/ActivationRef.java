package org.semivim.engine.reference;

import org.semivim.engine.math.ErrorFunction;

/**
 * Plain double-precision SiLU, exact GELU and thresholded softplus with their derivatives; the
 * array forms apply them elementwise, and the backwards accumulate dx += dy · f'(x).
 */
public final class ActivationRef {
    private ActivationRef() {}

    /** torch softplus threshold: above it softplus(x) is taken as x (vim-spec.md §5). */
    public static final double SOFTPLUS_THRESHOLD = 20.0;
    private static final double INV_SQRT_2PI = 0.39894228040143267794;

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** SiLU(x) = x·σ(x). */
    public static double silu(double x) {
        return x * sigmoid(x);
    }

    /** SiLU'(x) = σ(x)·(1 + x·(1 − σ(x))). */
    public static double siluGrad(double x) {
        double s = sigmoid(x);
        return s * (1.0 + x * (1.0 - s));
    }

    /** GELU(x) = x·Φ(x) with the exact normal CDF (torch nn.GELU, approximate='none'). */
    public static double gelu(double x) {
        return x * ErrorFunction.normalCdf(x);
    }

    /** GELU'(x) = Φ(x) + x·φ(x). */
    public static double geluGrad(double x) {
        return ErrorFunction.normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** softplus(x) = x above the threshold 20, else log1p(exp(x)). */
    public static double softplus(double x) {
        return x > SOFTPLUS_THRESHOLD ? x : Math.log1p(Math.exp(x));
    }

    /** softplus'(x) = 1 above the threshold, else σ(x). */
    public static double softplusGrad(double x) {
        return x > SOFTPLUS_THRESHOLD ? 1.0 : sigmoid(x);
    }

    public static void siluForward(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] = silu(x[i]);
    }

    public static void siluBackward(double[] x, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) dx[i] += dy[i] * siluGrad(x[i]);
    }

    public static void geluForward(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] = gelu(x[i]);
    }

    public static void geluBackward(double[] x, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) dx[i] += dy[i] * geluGrad(x[i]);
    }

    public static void softplusForward(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] = softplus(x[i]);
    }

    public static void softplusBackward(double[] x, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) dx[i] += dy[i] * softplusGrad(x[i]);
    }
}
