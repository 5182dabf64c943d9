package org.semivim.engine.reference;

import org.semivim.engine.models.VimConfig;

import java.util.Map;

import static org.semivim.engine.reference.ActivationRef.silu;
import static org.semivim.engine.reference.ActivationRef.siluGrad;

/**
 * Float64 Mamba mixer with bimamba v2 (vim-spec.md §4, §10.2–10.3, §11), transcribed from vim_ref.py
 * {@code mamba_branch}, {@code mamba_mixer} and their backwards. The backward direction runs the
 * causal code on flipped sequences, exactly as the official {@code Mamba.forward} does, so it is an
 * independent check of any flip-free (anti-causal) implementation.
 *
 * <p>Parameters and gradients are maps from official keys to row-major double arrays; gradients
 * are accumulated ({@code +=}). Token tensors are [B,L,C] (batch, position, channel).
 */
public final class MambaMixerRef {
    private MambaMixerRef() {}

    /** One direction's cache, in that direction's own order. */
    public static final class BranchCache {
        public String suffix;                 // "" forward, "_b" backward
        public double[] x;                    // conv input [B,L,E]
        public double[] pre;                  // conv output before SiLU [B,L,E]
        public double[] u;                    // conv1d_out = SiLU(pre), the scan input [B,L,E]
        public double[] dtr;                  // x_proj rows 0..R−1 [B,L,R]
        public SelectiveScanRef.Cache scan;   // holds B_t, C_t, Δ, h, r, y
        public double[] out;                  // gated output [B,L,E]
    }

    /** One mixer's cache. */
    public static final class Cache {
        public double[] input;                // normed hidden states [B,L,D]
        public double[] xz;                   // in_proj output [B,L,2E]
        public BranchCache fwd, bwd;          // bwd is null without bimamba v2
        public double[] merged;               // input of out_proj [B,L,E]
        public double[] psi;                  // SSMixup coefficient per sample, or null for a plain forward
        public double nu;
    }

    /**
     * hs [B,L,D] → mixer output [B,L,D]. With {@code psi} not null (bimamba v2 only) the merged
     * output gets {@code + nu·(psi_b·r^f + (1 − psi_b)·flip(r^b))} before out_proj (vim-spec.md §11).
     */
    public static double[] forward(VimConfig cfg, Map<String, double[]> p, String prefix, double[] hs, int batch,
                                   double[] psi, double nu, Cache cache) {
        int nl = hs.length / (batch * cfg.embedDim()), ne = cfg.dInner(), nd = cfg.embedDim();
        int rows = batch * nl;
        double[] xz = new double[rows * 2 * ne];                                                      // [B,L,2E]
        LinearRef.linearForward(hs, p.get(prefix + "in_proj.weight"), null, xz, rows, nd, 2 * ne);
        double[] x = new double[rows * ne], z = new double[rows * ne];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(xz, i * 2 * ne, x, i * ne, ne);
            System.arraycopy(xz, i * 2 * ne + ne, z, i * ne, ne);
        }
        cache.input = hs;
        cache.xz = xz;
        cache.fwd = branchForward(cfg, p, prefix, "", x, z, batch, nl);
        double[] merged;
        if (cfg.bidirectional()) {
            // the official code runs the same causal branch on xz.flip(-1) and flips the result back
            cache.bwd = branchForward(cfg, p, prefix, "_b", flip(x, batch, nl, ne), flip(z, batch, nl, ne), batch, nl);
            double[] outB = flip(cache.bwd.out, batch, nl, ne);
            double[] rB = flip(cache.bwd.scan.r, batch, nl, ne);
            merged = new double[rows * ne];
            for (int i = 0; i < merged.length; i++) {
                double m = cfg.divideOut() ? (cache.fwd.out[i] + outB[i]) / 2 : cache.fwd.out[i] + outB[i];
                if (psi != null) {
                    double ps = psi[i / (nl * ne)];
                    m += nu * (ps * cache.fwd.scan.r[i] + (1 - ps) * rB[i]);
                }
                merged[i] = m;
            }
        } else {
            if (psi != null) throw new IllegalArgumentException("SSMixup needs a bidirectional (bimamba v2) mixer");
            merged = cache.fwd.out.clone();
        }
        cache.merged = merged;
        cache.psi = psi;
        cache.nu = nu;
        double[] y = new double[rows * nd];                                                            // [B,L,D]
        LinearRef.linearForward(merged, p.get(prefix + "out_proj.weight"), null, y, rows, ne, nd);
        return y;
    }

    /** Accumulates the mixer's parameter gradients into {@code g}; returns ∂L/∂hs [B,L,D]. */
    public static double[] backward(VimConfig cfg, Map<String, double[]> p, Map<String, double[]> g, String prefix,
                                    Cache c, double[] gY, int batch) {
        int nd = cfg.embedDim(), ne = cfg.dInner(), rows = c.merged.length / ne, nl = rows / batch;
        double[] gm = new double[rows * ne];                                                   // ∂L/∂merged [B,L,E]
        LinearRef.linearBackward(c.merged, p.get(prefix + "out_proj.weight"), gY, gm, g.get(prefix + "out_proj.weight"),
                null, rows, ne, nd);
        double[] dx, dz;
        if (cfg.bidirectional()) {
            double scale = cfg.divideOut() ? 0.5 : 1.0;
            double[] gSum = new double[gm.length];
            for (int i = 0; i < gm.length; i++) gSum[i] = gm[i] * scale;
            double[] grF = null, grB = null;
            if (c.psi != null) {
                grF = new double[gm.length];
                double[] grBTokenOrder = new double[gm.length];
                for (int i = 0; i < gm.length; i++) {
                    double ps = c.psi[i / (nl * ne)];
                    grF[i] = c.nu * ps * gm[i];
                    grBTokenOrder[i] = c.nu * (1 - ps) * gm[i];
                }
                grB = flip(grBTokenOrder, batch, nl, ne);
            }
            double[][] f = branchBackward(cfg, p, g, prefix, c.fwd, gSum, grF, batch, nl);
            double[][] b = branchBackward(cfg, p, g, prefix, c.bwd, flip(gSum, batch, nl, ne), grB, batch, nl);
            double[] dxB = flip(b[0], batch, nl, ne), dzB = flip(b[1], batch, nl, ne);
            dx = f[0];
            dz = f[1];
            for (int i = 0; i < dx.length; i++) {
                dx[i] += dxB[i];
                dz[i] += dzB[i];
            }
        } else {
            double[][] f = branchBackward(cfg, p, g, prefix, c.fwd, gm, null, batch, nl);
            dx = f[0];
            dz = f[1];
        }
        double[] dxz = new double[rows * 2 * ne];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(dx, i * ne, dxz, i * 2 * ne, ne);
            System.arraycopy(dz, i * ne, dxz, i * 2 * ne + ne, ne);
        }
        double[] dInput = new double[rows * nd];                                               // [B,L,D]
        LinearRef.linearBackward(c.input, p.get(prefix + "in_proj.weight"), dxz, dInput, g.get(prefix + "in_proj.weight"),
                null, rows, nd, 2 * ne);
        return dInput;
    }

    // ---------------------------------------------------------------- one direction

    static BranchCache branchForward(VimConfig cfg, Map<String, double[]> p, String prefix, String sfx,
                                     double[] x, double[] z, int batch, int nl) {
        int ne = cfg.dInner(), nn = cfg.dState(), nr = cfg.resolvedDtRank(), k = cfg.dConv(), rows = batch * nl;
        int nx = nr + 2 * nn;
        BranchCache c = new BranchCache();
        c.suffix = sfx;
        c.x = x;
        c.pre = new double[rows * ne];                   // causal on this direction's own order
        ConvRef.depthwiseConv1dForward(x, p.get(prefix + "conv1d" + sfx + ".weight"), p.get(prefix + "conv1d" + sfx + ".bias"),
                false, c.pre, batch, nl, ne, k);
        c.u = new double[rows * ne];
        for (int i = 0; i < c.u.length; i++) c.u[i] = silu(c.pre[i]);
        double[] xdbl = new double[rows * nx];                                                         // [B,L,R+2N]
        LinearRef.linearForward(c.u, p.get(prefix + "x_proj" + sfx + ".weight"), null, xdbl, rows, ne, nx);
        c.dtr = new double[rows * nr];
        double[] bm = new double[rows * nn], cm = new double[rows * nn];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(xdbl, i * nx, c.dtr, i * nr, nr);
            System.arraycopy(xdbl, i * nx + nr, bm, i * nn, nn);
            System.arraycopy(xdbl, i * nx + nr + nn, cm, i * nn, nn);
        }
        double[] deltaRaw = new double[rows * ne];                       // dt_proj without its bias [B,L,E]
        LinearRef.linearForward(c.dtr, p.get(prefix + "dt_proj" + sfx + ".weight"), null, deltaRaw, rows, nr, ne);
        double[] aLog = p.get(prefix + aLogName(sfx));
        double[] a = new double[aLog.length];
        for (int i = 0; i < a.length; i++) a[i] = -Math.exp(aLog[i]);
        c.scan = SelectiveScanRef.forward(c.u, deltaRaw, a, bm, cm, p.get(prefix + dName(sfx)), z,
                p.get(prefix + "dt_proj" + sfx + ".bias"), batch, nl, ne, nn);
        c.out = SelectiveScanRef.gatedOutput(c.scan);
        return c;
    }

    /** Returns {dx, dz} in the branch's own order; accumulates the branch's parameter gradients. */
    static double[][] branchBackward(VimConfig cfg, Map<String, double[]> p, Map<String, double[]> g, String prefix,
                                     BranchCache c, double[] gOut, double[] gReadout, int batch, int nl) {
        String sfx = c.suffix;
        int ne = cfg.dInner(), nn = cfg.dState(), nr = cfg.resolvedDtRank(), k = cfg.dConv(), rows = batch * nl;
        int nx = nr + 2 * nn;
        SelectiveScanRef.Grads s = SelectiveScanRef.backward(c.scan, gOut, gReadout);
        add(g.get(prefix + aLogName(sfx)), s.dA, c.scan.a);                   // A = −exp(A_log) ⇒ dA_log = dA·A
        add(g.get(prefix + dName(sfx)), s.dD, null);
        add(g.get(prefix + "dt_proj" + sfx + ".bias"), s.dDeltaBias, null);
        double[] dDtr = new double[rows * nr];
        LinearRef.linearBackward(c.dtr, p.get(prefix + "dt_proj" + sfx + ".weight"), s.dDeltaRaw, dDtr,
                g.get(prefix + "dt_proj" + sfx + ".weight"), null, rows, nr, ne);
        double[] dXdbl = new double[rows * nx];                                    // [d dtr | dB | dC]
        for (int i = 0; i < rows; i++) {
            System.arraycopy(dDtr, i * nr, dXdbl, i * nx, nr);
            System.arraycopy(s.dBm, i * nn, dXdbl, i * nx + nr, nn);
            System.arraycopy(s.dCm, i * nn, dXdbl, i * nx + nr + nn, nn);
        }
        double[] du = s.du.clone();                                                // scan part + x_proj part
        LinearRef.linearBackward(c.u, p.get(prefix + "x_proj" + sfx + ".weight"), dXdbl, du,
                g.get(prefix + "x_proj" + sfx + ".weight"), null, rows, ne, nx);
        double[] dPre = new double[rows * ne];
        for (int i = 0; i < dPre.length; i++) dPre[i] = du[i] * siluGrad(c.pre[i]);
        double[] dx = new double[rows * ne];
        ConvRef.depthwiseConv1dBackward(c.x, p.get(prefix + "conv1d" + sfx + ".weight"), false, dPre, dx,
                g.get(prefix + "conv1d" + sfx + ".weight"), g.get(prefix + "conv1d" + sfx + ".bias"), batch, nl, ne, k);
        return new double[][] {dx, s.dz};
    }

    static String aLogName(String sfx) {
        return sfx.isEmpty() ? "A_log" : "A_b_log";
    }

    static String dName(String sfx) {
        return sfx.isEmpty() ? "D" : "D_b";
    }

    // ---------------------------------------------------------------- helpers

    /** Reverses the L axis of a [B,L,C] array (a new array). */
    public static double[] flip(double[] a, int batch, int nl, int nc) {
        double[] out = new double[a.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < nl; t++) {
                System.arraycopy(a, (b * nl + t) * nc, out, (b * nl + (nl - 1 - t)) * nc, nc);
            }
        }
        return out;
    }

    /** acc += v (⊙ factor when factor is not null). */
    private static void add(double[] acc, double[] v, double[] factor) {
        for (int i = 0; i < acc.length; i++) acc[i] += factor == null ? v[i] : v[i] * factor[i];
    }
}
