package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The selective scan kernel of {@link CpuScanOps} for one block of W consecutive channels of one
 * sample, vectorised across the channels: lane j is channel e0 + j, and every step of the
 * recurrence is the same lane-wise operation for all W channels. A sample's u, Δraw, z, dOut and
 * dReadout are first copied row by row into block layout ({@link #sample}: [E/W][L][W], padded with
 * zeros past the last channel), so the last, partial block runs the same vector code (its padded
 * lanes stay exactly 0 and add nothing to dBm/dCm); the kernels read a block's [L,W] slices there
 * in place and write its results into the result buffers of the same layout, which go back the
 * same way. Lanes never
 * mix except in dBm/dCm, whose sums over the channels go through per-lane float partials [L,N,W]
 * (E/W terms each) and are added across lanes in double.
 *
 * <p>The transcendental steps run first, over whole [L,W] or [L,N,W] buffers, through the array
 * forms of {@link FastMath} (softplus for Δ; in the backward every decay exp(Δ_t A) of the block at
 * once, since its reverse sweep reads them all again; the forward, which keeps no state, takes one
 * step's [N,W] decays at a time); the recurrence itself is then only multiply-adds. No method here passes a vector to another (see
 * FastMath on why). Sums over the steps (dALog, dD, dDeltaBias) are kept per lane in float for at
 * most {@link #FLUSH} steps, then added into per-lane double sums, which bounds the float rounding.
 *
 * <p>One instance per thread ({@link #forThread}), sized for the largest (L, N, E) seen: all buffers are
 * reused, nothing is allocated per call. Every buffer is fully rewritten (or zeroed) before it is
 * read in a block, so reuse does not change results. Buffers marked "token order" are indexed by
 * the token t, the others by the step s of the processing order (t = s, or L − 1 − s if reverse).
 */
final class ScanBlock {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int W = S.length();
    /** Steps between float → double flushes of the per-lane sums over t. */
    private static final int FLUSH = 16;

    private static final ThreadLocal<ScanBlock> PER_THREAD = ThreadLocal.withInitial(() -> new ScanBlock(0, 0, 0));

    private final int capLen, capStates, capChannels;
    /** One sample's inputs and outputs in block layout [E/W][L][W]: u, Δraw, z, dOut, dReadout, then 3 results. */
    final float[][] sample;
    /** The sample buffers the block kernels read and write in place: block b is [L,W] at offset {@link #bo}. */
    private final float[] u, deltaRaw, z, dOut, dReadout;   // inputs, token order (= sample[0..4])
    private final float[] res0, res1, res2;                 // outputs, token order: y, out or du, dΔraw, dz (= sample[5..7])
    private int bo;                                          // the current block's offset b·L·W in the sample buffers
    final float[] bias, dSkip;                          // [W] Δ bias and D of the block's channels
    final float[] a;                                    // [N,W] A = −exp(A_log), state-major
    private final float[] scratch;                      // [L,W] e^(−|x|) for the FastMath array forms
    private final float[] deltaArg, deltaArgExp;        // [L,W] x = Δraw + bias and e^(−|x|), token order
    private final float[] delta;                        // [L,W] Δ = softplus(x), token order
    private final float[] readout;                      // [L,W] r = C·h, token order
    private final float[] states;                       // [L+1,N,W] row 0 = 0, row s+1 = h after step s
    private final float[] decay;                        // [L,N,W] exp(Δ A) of step s
    private final float[] gradY, gradR;                 // [L,W] ∂L/∂y and ∂L/∂r, token order
    private final float[] carry;                        // [N,W] exp(Δ A) ⊙ g of the step processed before; runForward's state
    private final float[] stepDecay;                    // [N,W] runForward's exp(Δ A) of one step
    private final float[] dAFloat;                      // [N,W] Σ_t g a Δ since the last flush
    final double[] dA;                                  // [N,W] Σ_t g a Δ (∂L/∂A, times A later)
    final double[] dD, dBias;                           // [W]
    final float[] dB, dC;                               // [L,N,W] token order, lane partials of Σ_e
    private final float[] lanes = new float[W];         // [W] one vector's lanes, for the flushes

    private ScanBlock(int len, int ns, int ch) {
        capLen = len;
        capStates = ns;
        capChannels = ch;
        sample = new float[8][(ch + W - 1) / W * len * W];
        u = sample[0];
        deltaRaw = sample[1];
        z = sample[2];
        dOut = sample[3];
        dReadout = sample[4];
        res0 = sample[5];
        res1 = sample[6];
        res2 = sample[7];
        bias = new float[W];
        dSkip = new float[W];
        a = new float[ns * W];
        scratch = new float[len * W];
        deltaArg = new float[len * W];
        deltaArgExp = new float[len * W];
        delta = new float[len * W];
        readout = new float[len * W];
        states = new float[(len + 1) * ns * W];
        decay = new float[len * ns * W];
        gradY = new float[len * W];
        gradR = new float[len * W];
        carry = new float[ns * W];
        stepDecay = new float[ns * W];
        dAFloat = new float[ns * W];
        dA = new double[ns * W];
        dD = new double[W];
        dBias = new double[W];
        dB = new float[len * ns * W];
        dC = new float[len * ns * W];
    }

    /** This thread's kernel, with buffers for at least len steps, ns states and ch channels. */
    static ScanBlock forThread(int len, int ns, int ch) {
        ScanBlock k = PER_THREAD.get();
        if (k.capLen < len || k.capStates < ns || k.capChannels < ch) {
            k = new ScanBlock(Math.max(len, k.capLen), Math.max(ns, k.capStates), Math.max(ch, k.capChannels));
            PER_THREAD.set(k);
        }
        return k;
    }

    /**
     * Copies sample bi of t [B,L,E] into dst [E/W blocks][L][W] (block b holds channels bW..bW+W−1,
     * the last one zero padded). Reading whole rows keeps the memory access sequential; the kernels
     * then work on a block's contiguous [L,W] slice in place ({@link #setBlock}).
     */
    static void gatherSample(Tensor t, int bi, int len, int ch, float[] dst) {
        int blocks = (ch + W - 1) / W;
        for (int tok = 0; tok < len; tok++) {
            int row = t.offset + (bi * len + tok) * ch;
            for (int b = 0; b < blocks; b++) {
                int e0 = b * W, valid = Math.min(W, ch - e0), at = (b * len + tok) * W;
                if (valid == W) FloatVector.fromArray(S, t.data, row + e0).intoArray(dst, at);
                else {
                    for (int j = 0; j < valid; j++) dst[at + j] = t.data[row + e0 + j];
                    Arrays.fill(dst, at + valid, at + W, 0f);
                }
            }
        }
    }

    /** Writes (add = false) or adds (add = true) src [E/W blocks][L][W] into sample bi of t [B,L,E] (padding dropped). */
    static void scatterSample(float[] src, boolean add, Tensor t, int bi, int len, int ch) {
        int blocks = (ch + W - 1) / W;
        for (int tok = 0; tok < len; tok++) {
            int row = t.offset + (bi * len + tok) * ch;
            for (int b = 0; b < blocks; b++) {
                int e0 = b * W, valid = Math.min(W, ch - e0), at = (b * len + tok) * W;
                if (valid == W) {
                    FloatVector v = FloatVector.fromArray(S, src, at);
                    if (add) v = v.add(FloatVector.fromArray(S, t.data, row + e0));
                    v.intoArray(t.data, row + e0);
                } else {
                    for (int j = 0; j < valid; j++) t.data[row + e0 + j] = add ? t.data[row + e0 + j] + src[at + j] : src[at + j];
                }
            }
        }
    }

    /** Makes block b (channels bW..bW+W−1) the one the kernels below read and write in the sample buffers. */
    void setBlock(int b, int len) {
        bo = b * len * W;
    }

    /** delta = softplus(x) [L,W] with x = Δraw + bias; x and e^(−|x|) are kept for {@link #softplusSlopes}. */
    void computeDeltas(int len) {
        FloatVector biasV = FloatVector.fromArray(S, bias, 0);
        for (int t = 0; t < len; t++) FloatVector.fromArray(S, deltaRaw, bo + t * W).add(biasV).intoArray(deltaArg, t * W);
        FastMath.expNegAbs(deltaArg, 0, deltaArgExp, 0, len * W);
        FastMath.softplus(deltaArg, 0, deltaArgExp, 0, delta, 0, len * W);
    }

    /**
     * decay[s][n] = exp(Δ_t A_n) for every step and state, from {@link #computeDeltas}, through
     * {@link FastMath#expDecay}: decays below e^−60 are exactly 0, which keeps sub-normal numbers
     * out of the recurrences.
     */
    void computeDecays(boolean reverse, int len, int ns) {
        int nw = ns * W;
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step;
            FloatVector dt = FloatVector.fromArray(S, delta, t * W);
            for (int n = 0; n < ns; n++) dt.mul(FloatVector.fromArray(S, a, n * W)).intoArray(decay, step * nw + n * W);
        }
        FastMath.expDecay(decay, 0, decay, 0, len * nw);                 // Δ ≥ 0, A < 0: arguments ≤ 0
    }

    /**
     * The recurrence h_t = decay ⊙ h_prev + (Δ_t u_t) B_t in processing order, keeping every state
     * and the readout r_t = C_t · h_t. bm, cm [B,L,N] are read directly.
     */
    void runStates(Tensor bm, Tensor cm, int bi, boolean reverse, int len, int ns) {
        int nw = ns * W;
        Arrays.fill(states, 0, nw, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step;
            FloatVector dtu = FloatVector.fromArray(S, delta, t * W).mul(FloatVector.fromArray(S, u, bo + t * W));
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns;
            int prev = step * nw, cur = prev + nw;
            FloatVector r = FloatVector.zero(S);
            for (int n = 0; n < ns; n++) {
                int k = n * W;
                FloatVector h = FloatVector.fromArray(S, decay, prev + k)
                        .fma(FloatVector.fromArray(S, states, prev + k), dtu.mul(bm.data[bRow + n]));
                h.intoArray(states, cur + k);
                r = h.fma(FloatVector.broadcast(S, cm.data[cRow + n]), r);
            }
            r.intoArray(readout, t * W);
        }
    }

    /**
     * The forward's recurrence, after {@link #computeDeltas}: the same h_t and r_t as
     * {@link #computeDecays} then {@link #runStates} (the same operations, so the same bits), but
     * one step at a time and keeping only the readout: the state [N,W] and the step's decays [N,W]
     * stay in L1 instead of streaming the block's [L,N,W] decays and [L+1,N,W] states through L2.
     */
    void runForward(Tensor bm, Tensor cm, int bi, boolean reverse, int len, int ns) {
        int nw = ns * W;
        float[] h = carry, dec = stepDecay, a = this.a, bmData = bm.data, cmData = cm.data;
        Arrays.fill(h, 0, nw, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step, tw = t * W;
            FloatVector dt = FloatVector.fromArray(S, delta, tw);
            for (int n = 0; n < ns; n++) dt.mul(FloatVector.fromArray(S, a, n * W)).intoArray(dec, n * W);
            FastMath.expDecay(dec, 0, dec, 0, nw);                        // Δ ≥ 0, A < 0: arguments ≤ 0
            FloatVector dtu = FloatVector.fromArray(S, delta, tw).mul(FloatVector.fromArray(S, u, bo + tw));
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns;
            FloatVector r = FloatVector.zero(S);
            for (int n = 0; n < ns; n++) {
                int k = n * W;
                FloatVector hv = FloatVector.fromArray(S, dec, k).fma(FloatVector.fromArray(S, h, k), dtu.mul(bmData[bRow + n]));
                hv.intoArray(h, k);
                r = hv.fma(FloatVector.broadcast(S, cmData[cRow + n]), r);
            }
            r.intoArray(readout, tw);
        }
    }

    /** After {@link #runForward}: res0 = y = D⊙u + r, res1 = out = y ⊙ SiLU(z). */
    void gateOutputs(int len) {
        FloatVector dv = FloatVector.fromArray(S, dSkip, 0);
        for (int t = 0; t < len; t++) {
            dv.fma(FloatVector.fromArray(S, u, bo + t * W), FloatVector.fromArray(S, readout, t * W)).intoArray(res0, bo + t * W);
        }
        FastMath.expNegAbs(z, bo, scratch, 0, len * W);
        FastMath.silu(z, bo, scratch, 0, res1, bo, len * W);
        for (int t = 0; t < len; t++) {
            FloatVector.fromArray(S, res0, bo + t * W).mul(FloatVector.fromArray(S, res1, bo + t * W)).intoArray(res1, bo + t * W);
        }
    }

    /** Zeroes the per-sample sums (dB, dC over the channel blocks) before the sample's first block. */
    void startSample(int len, int ns) {
        Arrays.fill(dB, 0, len * ns * W, 0f);
        Arrays.fill(dC, 0, len * ns * W, 0f);
    }

    /**
     * After {@link #runStates}, per token: res2 = dz = dOut ⊙ y ⊙ SiLU′(z), gradY = ∂L/∂y = dOut ⊙
     * SiLU(z), gradR = ∂L/∂r = gradY + dReadout (if withReadout), and dD = Σ_t gradY ⊙ u.
     */
    void gateGradients(boolean withReadout, int len) {
        FastMath.expNegAbs(z, bo, scratch, 0, len * W);
        FastMath.siluSlope(z, bo, scratch, 0, res2, bo, len * W);
        FastMath.silu(z, bo, scratch, 0, gradY, 0, len * W);
        Arrays.fill(dD, 0);
        FloatVector dv = FloatVector.fromArray(S, dSkip, 0);
        FloatVector dDSum = FloatVector.zero(S);
        for (int t = 0; t < len; t++) {
            int tw = t * W;
            FloatVector uv = FloatVector.fromArray(S, u, bo + tw), go = FloatVector.fromArray(S, dOut, bo + tw);
            FloatVector y = dv.fma(uv, FloatVector.fromArray(S, readout, tw));
            go.mul(y).mul(FloatVector.fromArray(S, res2, bo + tw)).intoArray(res2, bo + tw);
            FloatVector gy = go.mul(FloatVector.fromArray(S, gradY, tw));
            gy.intoArray(gradY, tw);
            (withReadout ? gy.add(FloatVector.fromArray(S, dReadout, bo + tw)) : gy).intoArray(gradR, tw);
            dDSum = gy.fma(uv, dDSum);
            if ((t + 1) % FLUSH == 0 || t == len - 1) {
                dDSum.intoArray(lanes, 0);
                for (int j = 0; j < W; j++) dD[j] += lanes[j];
                dDSum = FloatVector.zero(S);
            }
        }
    }

    /** res1 = softplus′(x) = σ(x) per token, x = Δraw + bias (σ rounds to 1 above the threshold 20), after {@link #computeDeltas}. */
    void softplusSlopes(int len) {
        FastMath.sigmoid(deltaArg, 0, deltaArgExp, 0, res1, bo, len * W);
    }

    /**
     * The reverse-mode recurrence of vim-spec.md §10.1 over the states {@link #runStates} kept, steps
     * len−1..0 of the processing order, after {@link #gateGradients} and {@link #softplusSlopes}.
     * Writes res0 = du and res1 = dΔraw (token order, to be added to the tensors), adds into dB, dC
     * and sets dA and dBias.
     */
    void reverseSweep(Tensor bm, Tensor cm, int bi, boolean reverse, int len, int ns) {
        int nw = ns * W;
        float[] carry = this.carry, dAFloat = this.dAFloat, decay = this.decay, states = this.states;
        float[] dB = this.dB, dC = this.dC, a = this.a, bmData = bm.data, cmData = cm.data;
        Arrays.fill(carry, 0, nw, 0f);
        Arrays.fill(dAFloat, 0, nw, 0f);
        Arrays.fill(dA, 0, nw, 0);
        Arrays.fill(dBias, 0);
        FloatVector dv = FloatVector.fromArray(S, dSkip, 0);
        FloatVector dBiasSum = FloatVector.zero(S);
        for (int step = len - 1; step >= 0; step--) {
            int t = reverse ? len - 1 - step : step, tw = t * W;
            FloatVector uv = FloatVector.fromArray(S, u, bo + tw), dt = FloatVector.fromArray(S, delta, tw);
            FloatVector gr = FloatVector.fromArray(S, gradR, tw);
            FloatVector dtu = dt.mul(uv), gB = FloatVector.zero(S), gAa = FloatVector.zero(S); // Σ_n g B, Σ_n g A a
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns;
            int prev = step * nw, cur = prev + nw, tok = t * nw;
            for (int n = 0; n < ns; n++) {
                int k = n * W;
                FloatVector dec = FloatVector.fromArray(S, decay, prev + k);
                FloatVector g = gr.fma(FloatVector.broadcast(S, cmData[cRow + n]), FloatVector.fromArray(S, carry, k)); // ∂L/∂h_t
                FloatVector gaa = g.mul(dec.mul(FloatVector.fromArray(S, states, prev + k)));  // g ⊙ exp(ΔA) h_prev
                gr.fma(FloatVector.fromArray(S, states, cur + k), FloatVector.fromArray(S, dC, tok + k)).intoArray(dC, tok + k);
                g.fma(dtu, FloatVector.fromArray(S, dB, tok + k)).intoArray(dB, tok + k);
                gB = g.fma(FloatVector.broadcast(S, bmData[bRow + n]), gB);
                gAa = gaa.fma(FloatVector.fromArray(S, a, k), gAa);
                gaa.fma(dt, FloatVector.fromArray(S, dAFloat, k)).intoArray(dAFloat, k);
                dec.mul(g).intoArray(carry, k);
            }
            dv.fma(FloatVector.fromArray(S, gradY, tw), dt.mul(gB)).intoArray(res0, bo + tw);   // du
            FloatVector dArg = uv.fma(gB, gAa).mul(FloatVector.fromArray(S, res1, bo + tw));    // ∂L/∂(Δraw + bias)
            dArg.intoArray(res1, bo + tw);
            dBiasSum = dBiasSum.add(dArg);
            if (step % FLUSH == 0) {
                for (int k = 0; k < nw; k++) {
                    dA[k] += dAFloat[k];
                    dAFloat[k] = 0f;
                }
                dBiasSum.intoArray(lanes, 0);
                for (int j = 0; j < W; j++) dBias[j] += lanes[j];
                dBiasSum = FloatVector.zero(S);
            }
        }
    }
}
