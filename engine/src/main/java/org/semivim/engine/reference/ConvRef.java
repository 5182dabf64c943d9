package org.semivim.engine.reference;

/**
 * The convolutions of ViM in double precision with plain loops: the depthwise 1-D convolution of the
 * Mamba mixer (vim-spec.md §4, §10.2) and the patch extraction of the patch embedding (§2.1).
 */
public final class ConvRef {
    private ConvRef() {}

    /**
     * The token read by tap k for output token t, or an index outside [0, len) for the zero padding.
     * Causal: t − (K−1) + k. Anti-causal (the backward branch in original token order, taps mirrored):
     * t + (K−1) − k.
     */
    public static int sourceToken(int t, int k, int taps, boolean reverse) {
        return reverse ? t + (taps - 1) - k : t - (taps - 1) + k;
    }

    /** x, out [batch, len, channels]; w [channels, taps]; bias [channels]. out_t = bias + Σ_k w[k] · x_{source(t,k)}. */
    public static void depthwiseConv1dForward(double[] x, double[] w, double[] bias, boolean reverse, double[] out,
                                              int batch, int len, int channels, int taps) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                for (int e = 0; e < channels; e++) {
                    double acc = bias[e];
                    for (int k = 0; k < taps; k++) {
                        int src = sourceToken(t, k, taps, reverse);
                        if (src >= 0 && src < len) acc += w[e * taps + k] * x[(b * len + src) * channels + e];
                    }
                    out[(b * len + t) * channels + e] = acc;
                }
            }
        }
    }

    /** ACCUMULATES dx [batch, len, channels], dw [channels, taps], dbias [channels] from dout [batch, len, channels]. */
    public static void depthwiseConv1dBackward(double[] x, double[] w, boolean reverse, double[] dout,
                                               double[] dx, double[] dw, double[] dbias,
                                               int batch, int len, int channels, int taps) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                for (int e = 0; e < channels; e++) {
                    double g = dout[(b * len + t) * channels + e];
                    dbias[e] += g;
                    for (int k = 0; k < taps; k++) {
                        int src = sourceToken(t, k, taps, reverse);
                        if (src < 0 || src >= len) continue;
                        int xi = (b * len + src) * channels + e;
                        dw[e * taps + k] += g * x[xi];
                        dx[xi] += g * w[e * taps + k];
                    }
                }
            }
        }
    }

    /** pre = conv1d(x) as {@link #depthwiseConv1dForward}, u = SiLU(pre) [batch, len, channels]. */
    public static void depthwiseConv1dSiluForward(double[] x, double[] w, double[] bias, boolean reverse, double[] pre,
                                                  double[] u, int batch, int len, int channels, int taps) {
        depthwiseConv1dForward(x, w, bias, reverse, pre, batch, len, channels, taps);
        ActivationRef.siluForward(pre, u);
    }

    /**
     * ACCUMULATES dx, dw, dbias of u = SiLU(conv1d(x)) from du [batch, len, channels], given pre = conv1d(x):
     * the conv backward of dpre = SiLU′(pre) ⊙ du.
     */
    public static void depthwiseConv1dSiluBackward(double[] x, double[] w, double[] pre, boolean reverse, double[] du,
                                                   double[] dx, double[] dw, double[] dbias,
                                                   int batch, int len, int channels, int taps) {
        double[] dpre = new double[pre.length];
        ActivationRef.siluBackward(pre, du, dpre);
        depthwiseConv1dBackward(x, w, reverse, dpre, dx, dw, dbias, batch, len, channels, taps);
    }

    /**
     * {@link #depthwiseConv1dSiluBackward} with pre = conv1d(x) + bias recomputed from the input (the
     * backward of {@code ConvSiluOps#depthwiseConv1dSiluOutput}, which keeps no pre): ACCUMULATES dx, dw, dbias.
     */
    public static void depthwiseConv1dSiluBackwardFromInput(double[] x, double[] w, double[] bias, boolean reverse, double[] du,
                                                            double[] dx, double[] dw, double[] dbias,
                                                            int batch, int len, int channels, int taps) {
        double[] pre = new double[x.length];
        depthwiseConv1dForward(x, w, bias, reverse, pre, batch, len, channels, taps);
        depthwiseConv1dSiluBackward(x, w, pre, reverse, du, dx, dw, dbias, batch, len, channels, taps);
    }

    /** Number of patch positions along a side of {@code size} pixels: (size − patch)/stride + 1 (floor, no padding). */
    public static int gridSize(int size, int patch, int stride) {
        return (size - patch) / stride + 1;
    }

    /**
     * im2col: img [batch, chans, height, width] → patches [batch, M, chans·patch·patch], M = gh·gw with
     * patch m = i·gw + j at grid row i, column j; values in (c, kh, kw) order.
     */
    public static void patchify(double[] img, int batch, int chans, int height, int width, int patch, int stride,
                                double[] patches) {
        int[] pixel = patchPixels(batch, chans, height, width, patch, stride);
        for (int k = 0; k < pixel.length; k++) patches[k] = img[pixel[k]];
    }

    /** Adjoint of {@link #patchify}: ACCUMULATES dpatches into dimg; pixels in several patches receive the sum. */
    public static void unpatchifyAccumulate(double[] dpatches, int batch, int chans, int height, int width, int patch,
                                            int stride, double[] dimg) {
        int[] pixel = patchPixels(batch, chans, height, width, patch, stride);
        for (int k = 0; k < pixel.length; k++) dimg[pixel[k]] += dpatches[k];
    }

    /** For every element k of patches [batch, M, chans·patch·patch] (layout of {@link #patchify}), its flat index in img. */
    private static int[] patchPixels(int batch, int chans, int height, int width, int patch, int stride) {
        int gh = gridSize(height, patch, stride), gw = gridSize(width, patch, stride);
        int cols = chans * patch * patch;
        int[] pixel = new int[batch * gh * gw * cols];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < gh; i++) {
                for (int j = 0; j < gw; j++) {
                    int row = (b * gh * gw + i * gw + j) * cols;
                    for (int c = 0; c < chans; c++) {
                        for (int kh = 0; kh < patch; kh++) {
                            for (int kw = 0; kw < patch; kw++) {
                                pixel[row + (c * patch + kh) * patch + kw] = ((b * chans + c) * height + i * stride + kh) * width + j * stride + kw;
                            }
                        }
                    }
                }
            }
        }
        return pixel;
    }
}
