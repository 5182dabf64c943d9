package org.semivim.engine.reference;

/**
 * The selective scan of one Mamba direction, gate included, in double precision with plain loops:
 * the definition every fast scan is tested against (vim-spec.md §4–§5, §10.1, §11).
 * <pre>
 * Δ_t   = softplus(deltaRaw_t + deltaBias)        A = −exp(aLog)
 * h_t   = exp(Δ_t ⊙ A) ⊙ h_prev + (Δ_t ⊙ u_t) ⊗ B_t      h before the first step = 0
 * r_t   = C_t · h_t                                the readout
 * y_t   = r_t + d ⊙ u_t
 * out_t = y_t ⊙ SiLU(z_t)
 * </pre>
 * Layout: u, deltaRaw, z, y, out [batch, len, channels]; bm, cm [batch, len, states];
 * deltaBias, d [channels]; aLog [channels, states]. {@code reverse = false} processes
 * t = 0..len−1 (h_prev = h_{t−1}); {@code reverse = true} processes t = len−1..0 (h_prev = h_{t+1}).
 */
public final class ScanRef {
    private ScanRef() {}

    /** softplus with the torch / CUDA-kernel threshold: x above 20 is returned as is. */
    public static double softplus(double x) {
        return x > 20.0 ? x : Math.log1p(Math.exp(x));
    }

    /** Derivative of {@link #softplus}: σ(x) up to 20, 1 above. */
    public static double softplusGrad(double x) {
        return x > 20.0 ? 1.0 : sigmoid(x);
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** The token index handled at processing step s. */
    static int tokenAt(int step, int len, boolean reverse) {
        return reverse ? len - 1 - step : step;
    }

    /** Writes y (pre-gate) and out (gated), both [batch, len, channels]. */
    public static void selectiveScanForward(double[] u, double[] deltaRaw, double[] deltaBias, double[] aLog,
                                            double[] bm, double[] cm, double[] d, double[] z, boolean reverse,
                                            double[] y, double[] out, int batch, int len, int channels, int states) {
        double[] stateBuf = new double[len * states];   // [len, states] h in processing order
        for (int b = 0; b < batch; b++) {
            for (int e = 0; e < channels; e++) {
                recomputeStates(u, deltaRaw, deltaBias, aLog, bm, b, e, reverse, len, channels, states, stateBuf);
                for (int s = 0; s < len; s++) {
                    int t = tokenAt(s, len, reverse);
                    int i = (b * len + t) * channels + e;
                    double readout = 0;
                    for (int n = 0; n < states; n++) readout += cm[(b * len + t) * states + n] * stateBuf[s * states + n];
                    y[i] = readout + d[e] * u[i];
                    out[i] = y[i] * z[i] * sigmoid(z[i]);
                }
            }
        }
    }

    /**
     * The states h of channel e of sample b, in processing order: {@code states[s·N + n]} is h after
     * step s (token {@link #tokenAt}(s)).
     */
    static void recomputeStates(double[] u, double[] deltaRaw, double[] deltaBias, double[] aLog, double[] bm,
                                int b, int e, boolean reverse, int len, int channels, int states, double[] stateBuf) {
        for (int s = 0; s < len; s++) {
            int t = tokenAt(s, len, reverse);
            int i = (b * len + t) * channels + e;
            double delta = softplus(deltaRaw[i] + deltaBias[e]);
            for (int n = 0; n < states; n++) {
                double a = -Math.exp(aLog[e * states + n]);
                double prev = s == 0 ? 0.0 : stateBuf[(s - 1) * states + n];
                stateBuf[s * states + n] = Math.exp(delta * a) * prev + delta * u[i] * bm[(b * len + t) * states + n];
            }
        }
    }

    /**
     * Reverse mode of {@link #selectiveScanForward} (vim-spec.md §10.1), run in the direction's own
     * processing order. dOut is ∂L/∂out; dReadout (may be null) an extra ∂L/∂r (SSMixup, §11) that
     * enters gr_t only, so it reaches dC and the state recurrence but not dD, dz or the d⊙u part of du.
     * ACCUMULATES (+=) into every gradient array. States are recomputed per (b, e), never stored whole.
     */
    public static void selectiveScanBackward(double[] u, double[] deltaRaw, double[] deltaBias, double[] aLog,
                                             double[] bm, double[] cm, double[] d, double[] z, boolean reverse,
                                             double[] dOut, double[] dReadout,
                                             double[] du, double[] dDeltaRaw, double[] dDeltaBias, double[] dALog,
                                             double[] dBm, double[] dCm, double[] dD, double[] dz,
                                             int batch, int len, int channels, int states) {
        double[] stateBuf = new double[len * states];   // [len, states] h in processing order
        double[] g = new double[states];                // ∂L/∂h at the current step (total)
        double[] carry = new double[states];            // exp(Δ A) ⊙ g of the step processed just before
        for (int b = 0; b < batch; b++) {
            for (int e = 0; e < channels; e++) {
                recomputeStates(u, deltaRaw, deltaBias, aLog, bm, b, e, reverse, len, channels, states, stateBuf);
                java.util.Arrays.fill(carry, 0.0);
                for (int s = len - 1; s >= 0; s--) {
                    int t = tokenAt(s, len, reverse);
                    int i = (b * len + t) * channels + e;
                    int row = (b * len + t) * states;
                    double arg = deltaRaw[i] + deltaBias[e];
                    double delta = softplus(arg);

                    double readout = 0;
                    for (int n = 0; n < states; n++) readout += cm[row + n] * stateBuf[s * states + n];
                    double y = readout + d[e] * u[i];
                    double sig = sigmoid(z[i]);
                    dz[i] += dOut[i] * y * sig * (1 + z[i] * (1 - sig));
                    double gy = dOut[i] * z[i] * sig;                  // ∂L/∂y_t
                    dD[e] += gy * u[i];
                    du[i] += d[e] * gy;
                    double gr = gy + (dReadout == null ? 0.0 : dReadout[i]);   // ∂L/∂r_t

                    double gB = 0, gAa = 0;                              // Σ_n g B,  Σ_n g A a
                    for (int n = 0; n < states; n++) {
                        double a = -Math.exp(aLog[e * states + n]);
                        double decay = Math.exp(delta * a);
                        g[n] = gr * cm[row + n] + carry[n];
                        double hPrev = s == 0 ? 0.0 : stateBuf[(s - 1) * states + n];
                        double aTerm = decay * hPrev;                    // a_t = exp(Δ_t A) h_prev
                        dCm[row + n] += gr * stateBuf[s * states + n];
                        dBm[row + n] += g[n] * delta * u[i];
                        gB += g[n] * bm[row + n];
                        gAa += g[n] * a * aTerm;
                        dALog[e * states + n] += g[n] * delta * aTerm * a;   // dA ⊙ A
                        carry[n] = decay * g[n];
                    }
                    du[i] += delta * gB;
                    double dDelta = u[i] * gB + gAa;
                    double dArg = dDelta * softplusGrad(arg);
                    dDeltaRaw[i] += dArg;
                    dDeltaBias[e] += dArg;
                }
            }
        }
    }
}
