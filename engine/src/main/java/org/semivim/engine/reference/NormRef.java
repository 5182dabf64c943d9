package org.semivim.engine.reference;

/**
 * Plain double-precision RMSNorm and LayerNorm over the last dimension: the math written once,
 * checked by finite differences, and used by the reference backend. Arrays are row-major:
 * x, y, dy, dx [rows, dim]; w, b, dw, db [dim]; mean, rstd [rows]. Backwards accumulate (+=).
 */
public final class NormRef {
    private NormRef() {}

    /** y = x · rstd · w with rstd = (mean(x²) + eps)^-½ (mamba_ssm rms_norm_ref, vim-spec.md §3). */
    public static void rmsNormForward(double[] x, double[] w, double eps, double[] y, double[] rstd, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double sumSq = 0;
            for (int j = 0; j < dim; j++) sumSq += x[base + j] * x[base + j];
            double rs = 1.0 / Math.sqrt(sumSq / dim + eps);
            rstd[r] = rs;
            for (int j = 0; j < dim; j++) y[base + j] = x[base + j] * rs * w[j];
        }
    }

    /**
     * vim-spec.md §10.4: x̂ = x·rstd, g = dy ⊙ w, dx += rstd·(g − x̂·mean(g ⊙ x̂)), dw += Σ_rows dy ⊙ x̂.
     */
    public static void rmsNormBackward(double[] x, double[] w, double[] rstd, double[] dy, double[] dx, double[] dw,
                                       int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double rs = rstd[r];
            double gDotXhat = 0;
            for (int j = 0; j < dim; j++) gDotXhat += dy[base + j] * w[j] * x[base + j] * rs;
            double meanGXhat = gDotXhat / dim;
            for (int j = 0; j < dim; j++) {
                double xhat = x[base + j] * rs;
                dx[base + j] += rs * (dy[base + j] * w[j] - xhat * meanGXhat);
                dw[j] += dy[base + j] * xhat;
            }
        }
    }

    /** y = (x − mean) · rstd · w + b, rstd = (var + eps)^-½ with the biased variance (torch LayerNorm). */
    public static void layerNormForward(double[] x, double[] w, double[] b, double eps, double[] y, double[] mean,
                                        double[] rstd, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double sum = 0;
            for (int j = 0; j < dim; j++) sum += x[base + j];
            double mu = sum / dim;
            double sumSq = 0;
            for (int j = 0; j < dim; j++) {
                double c = x[base + j] - mu;
                sumSq += c * c;
            }
            double rs = 1.0 / Math.sqrt(sumSq / dim + eps);
            mean[r] = mu;
            rstd[r] = rs;
            for (int j = 0; j < dim; j++) y[base + j] = (x[base + j] - mu) * rs * w[j] + b[j];
        }
    }

    /**
     * x̂ = (x − mean)·rstd, g = dy ⊙ w: dx += rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)),
     * dw += Σ_rows dy ⊙ x̂, db += Σ_rows dy.
     */
    public static void layerNormBackward(double[] x, double[] w, double[] mean, double[] rstd, double[] dy,
                                         double[] dx, double[] dw, double[] db, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double mu = mean[r], rs = rstd[r];
            double sumG = 0, sumGXhat = 0;
            for (int j = 0; j < dim; j++) {
                double g = dy[base + j] * w[j];
                sumG += g;
                sumGXhat += g * (x[base + j] - mu) * rs;
            }
            double meanG = sumG / dim, meanGXhat = sumGXhat / dim;
            for (int j = 0; j < dim; j++) {
                double xhat = (x[base + j] - mu) * rs;
                dx[base + j] += rs * (dy[base + j] * w[j] - meanG - xhat * meanGXhat);
                dw[j] += dy[base + j] * xhat;
                db[j] += dy[base + j];
            }
        }
    }
}
