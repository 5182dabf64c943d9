package org.semivim.engine.reference;

import static org.semivim.engine.reference.ActivationRef.silu;
import static org.semivim.engine.reference.ActivationRef.siluGrad;
import static org.semivim.engine.reference.ActivationRef.softplus;
import static org.semivim.engine.reference.ActivationRef.softplusGrad;

/**
 * Float64 selective scan of one Mamba direction in its own processing order, gate included,
 * transcribed from vim_ref.py {@code selective_scan} / {@code selective_scan_bwd} (vim-spec.md §5,
 * §10.1). Every state h_t is kept (B·L·E·N doubles): this is a test oracle for small sizes.
 * Layout: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; A [E,N]; d, deltaBias [E]; h [B,L,E,N].
 *
 * <p>Unlike {@link ScanRef} (the math of the reference backend, which recomputes states) this keeps
 * h_t and the readout r_t = C_t·h_t, as vim_ref.py does, so that {@link VimRef} does not share its
 * scan code with the backend it is the oracle for, and tests can read the states.
 */
public final class SelectiveScanRef {
    private SelectiveScanRef() {}

    /** What the backward needs; {@code r} (readout C·h) and {@code y} (pre-gate output) are also read by SSMixup and tests. */
    public static final class Cache {
        public final int batch, len, dInner, dState;
        public double[] u, z, bm, cm, a, dSkip;   // inputs (A = −exp(A_log) already)
        public double[] arg;                      // deltaRaw + deltaBias [B,L,E]
        public double[] delta;                    // softplus(arg) [B,L,E]
        public double[] decay;                    // exp(Δ·A) [B,L,E,N]
        public double[] h;                        // states h_t [B,L,E,N]
        public double[] r;                        // readout C_t·h_t [B,L,E]
        public double[] y;                        // r + D⊙u [B,L,E]

        Cache(int batch, int len, int dInner, int dState) {
            this.batch = batch;
            this.len = len;
            this.dInner = dInner;
            this.dState = dState;
        }
    }

    /** Gradients of one scan call (fresh arrays). */
    public static final class Grads {
        public double[] du, dDeltaRaw, dz;        // [B,L,E]
        public double[] dA;                       // [E,N] (with respect to A, not A_log)
        public double[] dBm, dCm;                 // [B,L,N]
        public double[] dD, dDeltaBias;           // [E]
    }

    /** Forward; returns the cache, whose gated output is {@link #gatedOutput}. */
    public static Cache forward(double[] u, double[] deltaRaw, double[] a, double[] bm, double[] cm, double[] dSkip,
                                double[] z, double[] deltaBias, int batch, int len, int dInner, int dState) {
        int nb = batch, nl = len, ne = dInner, nn = dState;
        Cache c = new Cache(nb, nl, ne, nn);
        c.u = u;
        c.z = z;
        c.bm = bm;
        c.cm = cm;
        c.a = a;
        c.dSkip = dSkip;
        c.arg = new double[nb * nl * ne];
        c.delta = new double[nb * nl * ne];
        c.decay = new double[nb * nl * ne * nn];
        c.h = new double[nb * nl * ne * nn];
        c.r = new double[nb * nl * ne];
        c.y = new double[nb * nl * ne];
        for (int b = 0; b < nb; b++) {
            for (int t = 0; t < nl; t++) {
                int bt = b * nl + t;
                for (int e = 0; e < ne; e++) {
                    int i = bt * ne + e;
                    c.arg[i] = deltaRaw[i] + deltaBias[e];
                    c.delta[i] = softplus(c.arg[i]);
                    double readout = 0;
                    for (int n = 0; n < nn; n++) {
                        int s = i * nn + n;
                        c.decay[s] = Math.exp(c.delta[i] * a[e * nn + n]);
                        double prev = t > 0 ? c.h[s - ne * nn] : 0.0;   // h_{t−1}[e, n]
                        c.h[s] = c.decay[s] * prev + c.delta[i] * bm[bt * nn + n] * u[i];
                        readout += c.h[s] * cm[bt * nn + n];
                    }
                    c.r[i] = readout;
                    c.y[i] = readout + dSkip[e] * u[i];
                }
            }
        }
        return c;
    }

    /** out = y ⊙ SiLU(z) [B,L,E]. */
    public static double[] gatedOutput(Cache c) {
        double[] out = new double[c.y.length];
        for (int i = 0; i < out.length; i++) out[i] = c.y[i] * silu(c.z[i]);
        return out;
    }

    /**
     * Reverse mode. gOut = ∂L/∂out [B,L,E]; gReadout (nullable) = extra ∂L/∂r_t (SSMixup): it reaches
     * dC and the state recurrence, not dD, dz or the D⊙u part of du.
     */
    public static Grads backward(Cache c, double[] gOut, double[] gReadout) {
        int nb = c.batch, nl = c.len, ne = c.dInner, nn = c.dState;
        Grads g = new Grads();
        g.du = new double[nb * nl * ne];
        g.dDeltaRaw = new double[nb * nl * ne];
        g.dz = new double[nb * nl * ne];
        g.dA = new double[ne * nn];
        g.dBm = new double[nb * nl * nn];
        g.dCm = new double[nb * nl * nn];
        g.dD = new double[ne];
        g.dDeltaBias = new double[ne];
        double[] gr = new double[nb * nl * ne];          // ∂L/∂r_t
        for (int i = 0; i < gr.length; i++) {
            int e = i % ne;
            double gy = gOut[i] * silu(c.z[i]);          // ∂L/∂y_t
            g.dz[i] = gOut[i] * c.y[i] * siluGrad(c.z[i]);
            g.dD[e] += gy * c.u[i];
            g.du[i] = gy * c.dSkip[e];
            gr[i] = gy + (gReadout == null ? 0.0 : gReadout[i]);
        }
        double[] gState = new double[ne * nn];          // ∂L/∂h_t of the current t, per batch row
        for (int b = 0; b < nb; b++) {
            java.util.Arrays.fill(gState, 0.0);
            for (int t = nl - 1; t >= 0; t--) {
                int bt = b * nl + t;
                for (int e = 0; e < ne; e++) {
                    int i = bt * ne + e;
                    double gB = 0, gDeltaDecay = 0;
                    for (int n = 0; n < nn; n++) {
                        int s = i * nn + n;
                        // g_t = gr_t C_t + exp(Δ_{t+1} A) g_{t+1}
                        double next = t + 1 < nl ? c.decay[s + ne * nn] * gState[e * nn + n] : 0.0;
                        double gs = gr[i] * c.cm[bt * nn + n] + next;
                        gState[e * nn + n] = gs;
                        g.dCm[bt * nn + n] += gr[i] * c.h[s];
                        double prevDecayed = t > 0 ? c.decay[s] * c.h[s - ne * nn] : 0.0;   // a_t = exp(Δ_t A) h_{t−1}
                        gB += gs * c.bm[bt * nn + n];
                        g.dBm[bt * nn + n] += gs * c.delta[i] * c.u[i];
                        gDeltaDecay += gs * c.a[e * nn + n] * prevDecayed;
                        g.dA[e * nn + n] += gs * c.delta[i] * prevDecayed;
                    }
                    g.du[i] += gB * c.delta[i];
                    double dDelta = gB * c.u[i] + gDeltaDecay;
                    g.dDeltaRaw[i] = dDelta * softplusGrad(c.arg[i]);
                    g.dDeltaBias[e] += g.dDeltaRaw[i];
                }
            }
        }
        return g;
    }
}
