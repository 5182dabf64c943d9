package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The forward kernel of {@link CpuScanOps} for one block of W consecutive channels of one sample,
 * vectorised across the channels: lane j is channel e0 + j, and every step of the recurrence is the
 * same lane-wise operation for all W channels. A sample's u, Δraw and z are first copied row by row
 * into block layout ({@link #sample}: [E/W][L][W], padded with zeros past the last channel), so the
 * last, partial block runs the same vector code; the kernel reads a block's [L,W] slices there in
 * place and writes y and out into result buffers of the same layout, which go back the same way.
 * (The backward kernel, {@link ScanBackward}, works in token-row order instead; for the forward,
 * which keeps no state, that order measured 5–10 % slower: docs/benchmarks-engine.md, third round.)
 *
 * <p>The transcendental steps run through the array forms of {@link FastMath} (softplus for Δ over
 * the block's [L,W], one step's decays exp(Δ_t A) over [N,W], SiLU of z); the recurrence itself is
 * then only multiply-adds, one step at a time, so the step's decays [N,W] and the state [N,W] stay
 * in L1. No method here passes a vector to another (see FastMath on why).
 *
 * <p>One instance per thread ({@link #forThread}), sized for the largest (L, N, E) seen: all buffers are
 * reused, nothing is allocated per call; every buffer is rewritten before it is read in a block.
 */
final class ScanForward {
    static final VectorSpecies<Float> S = ScanStreams.S;
    static final int W = ScanStreams.W;
    /** Indices of {@link #sample}: the inputs, then the results. */
    static final int U = 0, DELTA_RAW = 1, Z = 2, Y = 3, OUT = 4;

    private static final ThreadLocal<ScanForward> PER_THREAD = ThreadLocal.withInitial(() -> new ScanForward(0, 0, 0));

    private final int capLen, capStates, capChannels;
    /** One sample's u, Δraw, z, y, out in block layout [E/W][L][W]. */
    final float[][] sample;
    private final float[] u, deltaRaw, z, y, out;         // = sample[0..4]
    private int bo;                                          // the current block's offset b·L·W in the sample buffers
    final float[] bias, dSkip;                          // [W] Δ bias and D of the block's channels
    final float[] a;                                    // [N,W] A·log2(e) with A = −exp(A_log), state-major
    private final float[] scratch;                      // [L,W] e^(−|x|) for the FastMath array forms
    private final float[] deltaArg, deltaArgExp;        // [L,W] x = Δraw + bias and e^(−|x|), token order
    private final float[] delta;                        // [L,W] Δ = softplus(x), token order
    private final float[] readout;                      // [L,W] r = C·h, token order
    private final float[] state;                        // [N,W] h of the step processed last
    private final float[] stepDecay;                    // [N,W] exp(Δ A) of one step

    private ScanForward(int len, int ns, int ch) {
        capLen = len;
        capStates = ns;
        capChannels = ch;
        sample = new float[5][(ch + W - 1) / W * len * W];
        u = sample[U];
        deltaRaw = sample[DELTA_RAW];
        z = sample[Z];
        y = sample[Y];
        out = sample[OUT];
        bias = new float[W];
        dSkip = new float[W];
        a = new float[ns * W];
        scratch = new float[len * W];
        deltaArg = new float[len * W];
        deltaArgExp = new float[len * W];
        delta = new float[len * W];
        readout = new float[len * W];
        state = new float[ns * W];
        stepDecay = new float[ns * W];
    }

    /** This thread's kernel, with buffers for at least len steps, ns states and ch channels. */
    static ScanForward forThread(int len, int ns, int ch) {
        ScanForward k = PER_THREAD.get();
        if (k.capLen < len || k.capStates < ns || k.capChannels < ch) {
            k = new ScanForward(Math.max(len, k.capLen), Math.max(ns, k.capStates), Math.max(ch, k.capChannels));
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

    /**
     * Writes (add = false) src [E/W blocks][L][W] into sample bi of t [B,L,E], or (add = true) sets
     * t = (t + src)·scale there (padding dropped).
     */
    static void scatterSample(float[] src, boolean add, float scale, Tensor t, int bi, int len, int ch) {
        int blocks = (ch + W - 1) / W;
        for (int tok = 0; tok < len; tok++) {
            int row = t.offset + (bi * len + tok) * ch;
            for (int b = 0; b < blocks; b++) {
                int e0 = b * W, valid = Math.min(W, ch - e0), at = (b * len + tok) * W;
                if (valid == W) {
                    FloatVector v = FloatVector.fromArray(S, src, at);
                    if (add) v = FloatVector.fromArray(S, t.data, row + e0).add(v).mul(scale);
                    v.intoArray(t.data, row + e0);
                } else {
                    for (int j = 0; j < valid; j++) {
                        t.data[row + e0 + j] = add ? (t.data[row + e0 + j] + src[at + j]) * scale : src[at + j];
                    }
                }
            }
        }
    }

    /** Makes block b (channels bW..bW+W−1) the one the kernels below read and write in the sample buffers. */
    void setBlock(int b, int len) {
        bo = b * len * W;
    }

    /** delta = softplus(x) [L,W] with x = Δraw + bias. */
    void computeDeltas(int len) {
        FloatVector biasV = FloatVector.fromArray(S, bias, 0);
        for (int t = 0; t < len; t++) FloatVector.fromArray(S, deltaRaw, bo + t * W).add(biasV).intoArray(deltaArg, t * W);
        FastMath.expNegAbs(deltaArg, 0, deltaArgExp, 0, len * W);
        FastMath.softplus(deltaArg, 0, deltaArgExp, 0, delta, 0, len * W);
    }

    /**
     * The recurrence h_t = exp(Δ_t A) ⊙ h_prev + (Δ_t u_t) B_t in processing order, after
     * {@link #computeDeltas}, one step at a time and keeping only the readout r_t = C_t · h_t
     * (exp(Δ_t A) as {@link FastMath#exp2Decay} of Δ_t·A·log2(e): decays below e^−60 are exactly 0,
     * which keeps sub-normal numbers out of the recurrence). The same operations per lane as {@link ScanBackward}'s state
     * recomputation, so the same states.
     */
    void runForward(Tensor bm, Tensor cm, int bi, boolean reverse, int len, int ns) {
        int nw = ns * W;
        float[] h = state, dec = stepDecay, a = this.a, bmData = bm.data, cmData = cm.data;
        Arrays.fill(h, 0, nw, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step, tw = t * W;
            FastMath.exp2DecayOfProducts(a, 0, delta, tw, dec, 0, nw, nw);   // 2^(Δ A log2 e): Δ ≥ 0, A < 0, arguments ≤ 0
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

    /** After {@link #runForward}: y = D⊙u + r, out = y ⊙ SiLU(z). */
    void gateOutputs(int len) {
        FloatVector dv = FloatVector.fromArray(S, dSkip, 0);
        for (int t = 0; t < len; t++) {
            dv.fma(FloatVector.fromArray(S, u, bo + t * W), FloatVector.fromArray(S, readout, t * W)).intoArray(y, bo + t * W);
        }
        FastMath.expNegAbs(z, bo, scratch, 0, len * W);
        FastMath.silu(z, bo, scratch, 0, out, bo, len * W);
        for (int t = 0; t < len; t++) {
            FloatVector.fromArray(S, y, bo + t * W).mul(FloatVector.fromArray(S, out, bo + t * W)).intoArray(out, bo + t * W);
        }
    }
}
