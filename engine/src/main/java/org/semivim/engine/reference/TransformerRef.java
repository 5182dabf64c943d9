package org.semivim.engine.reference;

/**
 * Double-precision pieces of a transformer that {@link VitRef} composes: Linear, LayerNorm, exact
 * GELU and patch extraction. Backward functions accumulate (+=) into the gradients they are given.
 * INTERIM: LayerNorm, GELU and patchify duplicate NormRef / ActivationRef / ConvRef, which are being
 * written on other branches; once merged, VitRef calls those and only Linear stays here.
 */
public final class TransformerRef {
    private TransformerRef() {}

    /** y [R,out] = x [R,in] · wᵀ + b; w [out,in], b [out] (b may be null). */
    public static void linearForward(double[] x, double[] w, double[] b, double[] y, int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) acc += x[r * in + i] * w[o * in + i];
                y[r * out + o] = acc;
            }
        }
    }

    /** dw += dyᵀ·x, db += Σ_r dy, dx += dy·w (dx, db may be null). */
    public static void linearBackward(double[] x, double[] w, double[] dy, double[] dx, double[] dw, double[] db,
                                      int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double g = dy[r * out + o];
                if (db != null) db[o] += g;
                for (int i = 0; i < in; i++) {
                    dw[o * in + i] += g * x[r * in + i];
                    if (dx != null) dx[r * in + i] += g * w[o * in + i];
                }
            }
        }
    }

    /** y = (x − mean)·rstd·w + b per row, rstd = (biased var + eps)^-½ (torch LayerNorm); mean, rstd [R] saved. */
    public static void layerNormForward(double[] x, double[] w, double[] b, double eps, double[] y, double[] mean,
                                        double[] rstd, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double mu = 0;
            for (int j = 0; j < dim; j++) mu += x[r * dim + j];
            mu /= dim;
            double var = 0;
            for (int j = 0; j < dim; j++) var += (x[r * dim + j] - mu) * (x[r * dim + j] - mu);
            double rs = 1.0 / Math.sqrt(var / dim + eps);
            mean[r] = mu;
            rstd[r] = rs;
            for (int j = 0; j < dim; j++) y[r * dim + j] = (x[r * dim + j] - mu) * rs * w[j] + b[j];
        }
    }

    /** With x̂ = (x − mean)·rstd and g = dy·w: dx += rstd·(g − mean(g) − x̂·mean(g·x̂)); dw += Σ dy·x̂; db += Σ dy. */
    public static void layerNormBackward(double[] x, double[] w, double[] mean, double[] rstd, double[] dy,
                                         double[] dx, double[] dw, double[] db, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double meanG = 0, meanGx = 0;
            for (int j = 0; j < dim; j++) {
                double xhat = (x[r * dim + j] - mean[r]) * rstd[r];
                double g = dy[r * dim + j] * w[j];
                meanG += g;
                meanGx += g * xhat;
            }
            meanG /= dim;
            meanGx /= dim;
            for (int j = 0; j < dim; j++) {
                double xhat = (x[r * dim + j] - mean[r]) * rstd[r];
                double g = dy[r * dim + j] * w[j];
                dx[r * dim + j] += rstd[r] * (g - meanG - xhat * meanGx);
                dw[j] += dy[r * dim + j] * xhat;
                db[j] += dy[r * dim + j];
            }
        }
    }

    /** Exact GELU y = x·Φ(x) (torch nn.GELU default). */
    public static void geluForward(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] = x[i] * normalCdf(x[i]);
    }

    /** dx += dy·(Φ(x) + x·φ(x)). */
    public static void geluBackward(double[] x, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) {
            double pdf = Math.exp(-0.5 * x[i] * x[i]) / Math.sqrt(2 * Math.PI);
            dx[i] += dy[i] * (normalCdf(x[i]) + x[i] * pdf);
        }
    }

    /** Φ(x) = ½(1 + erf(x/√2)). */
    static double normalCdf(double x) {
        return 0.5 * (1.0 + erf(x / Math.sqrt(2.0)));
    }

    /**
     * erf by its everywhere-convergent series of positive terms,
     * erf(z) = 2/√π · e^(−z²) · Σ_n 2ⁿ z^(2n+1) / (1·3·…·(2n+1)): no cancellation, so full double
     * precision for |z| ≤ 6 (at most a few hundred terms); beyond, erf(z) = ±1 in double.
     */
    static double erf(double z) {
        double a = Math.abs(z);
        if (a > 6.0) return Math.signum(z);
        double term = a, sum = a;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.signum(z) * 2.0 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
    }

    /** img [B,C,S,S] → patches [B,G·G,C·p·p] (non-overlapping p×p, G = S/p, values in (c, kh, kw) order). */
    public static void patchify(double[] img, int batch, int chans, int side, int patch, double[] patches) {
        int grid = side / patch, pd = chans * patch * patch;
        for (int b = 0; b < batch; b++)
            for (int gi = 0; gi < grid; gi++)
                for (int gj = 0; gj < grid; gj++)
                    for (int c = 0; c < chans; c++)
                        for (int kh = 0; kh < patch; kh++)
                            for (int kw = 0; kw < patch; kw++) {
                                int m = gi * grid + gj, col = (c * patch + kh) * patch + kw;
                                int pix = ((b * chans + c) * side + gi * patch + kh) * side + gj * patch + kw;
                                patches[(b * grid * grid + m) * pd + col] = img[pix];
                            }
    }

    /** The adjoint of {@link #patchify}: dimg += the patch gradients put back at their pixels. */
    public static void unpatchifyAccumulate(double[] dpatches, int batch, int chans, int side, int patch, double[] dimg) {
        int grid = side / patch, pd = chans * patch * patch;
        for (int b = 0; b < batch; b++)
            for (int gi = 0; gi < grid; gi++)
                for (int gj = 0; gj < grid; gj++)
                    for (int c = 0; c < chans; c++)
                        for (int kh = 0; kh < patch; kh++)
                            for (int kw = 0; kw < patch; kw++) {
                                int m = gi * grid + gj, col = (c * patch + kh) * patch + kw;
                                int pix = ((b * chans + c) * side + gi * patch + kh) * side + gj * patch + kw;
                                dimg[pix] += dpatches[(b * grid * grid + m) * pd + col];
                            }
    }
}
