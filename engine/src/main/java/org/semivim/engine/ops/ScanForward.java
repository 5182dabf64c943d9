package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The forward kernel of {@link CpuScanOps} for one sample: all E channels, in blocks of W
 * consecutive channels, one vector lane each, so every step of the recurrence is the same
 * lane-wise operation for W channels. The steps run in processing order, and inside a step the
 * blocks in channel order: each token row of u, Δraw, y, out is read or written once, in order,
 * and the sample's state [E/W][N][W] and the step's decays stay in L1 (16 KiB each at E = 256,
 * N = 16). The forward keeps no state for the backward.
 *
 * <p>The transcendental steps run over whole buffers through the array forms of {@link FastMath}
 * (softplus of the sample's Δ, one step's decays exp(Δ_t A) for all channels, SiLU of the sample's
 * z; a sample's [L,E'] stream is contiguous in both bindings of {@link ScanStreams}); the recurrence itself is then only multiply-adds. No method here passes a vector to another
 * (see FastMath on why). Per lane, every value goes through the same operations as in the
 * reference formulas of {@link ScanOps}, in a fixed order.
 *
 * <p>One instance per thread ({@link #forThread}), grown to the largest (L, E', N) seen: nothing is
 * allocated per call; every buffer is rewritten before it is read.
 */
final class ScanForward {
    private static final VectorSpecies<Float> S = ScanStreams.S;
    private static final int W = ScanStreams.W;

    private static final ThreadLocal<ScanForward> PER_THREAD = ThreadLocal.withInitial(() -> new ScanForward(0, 0));

    private final int capTokens, capStates;              // capacity: L·E' and E'·N
    private final float[] scratch;                      // [L,E'] e^(−|x|) for the FastMath array forms
    private final float[] deltaArg;                     // [L,E'] x = Δraw + bias
    private final float[] delta;                        // [L,E'] Δ = softplus(x)
    private final float[] readout;                      // [L,E'] r = C·h, then SiLU(z)
    private final float[] state;                        // [E'/W][N][W] h of the step processed last
    private final float[] stepDecay;                    // [E'/W][N][W] exp(Δ A) of one step

    private ScanForward(int tokens, int stateSize) {
        capTokens = tokens;
        capStates = stateSize;
        scratch = new float[tokens];
        deltaArg = new float[tokens];
        delta = new float[tokens];
        readout = new float[tokens];
        state = new float[stateSize];
        stepDecay = new float[stateSize];
    }

    /** This thread's kernel, with buffers for at least len tokens of cp (padded) channels and ns states. */
    static ScanForward forThread(int len, int cp, int ns) {
        ScanForward k = PER_THREAD.get();
        if (k.capTokens < len * cp || k.capStates < cp * ns) {
            k = new ScanForward(Math.max(len * cp, k.capTokens), Math.max(cp * ns, k.capStates));
            PER_THREAD.set(k);
        }
        return k;
    }

    /**
     * The bound sample's y = D⊙u + r and out = y ⊙ SiLU(z), r_t = C_t · h_t. bias, dSkip [E'] and
     * aBlocks [E'/W][N][W] (A = −exp(A_log)) are zero past the last channel; bm, cm [B,L,N] are read
     * directly.
     */
    void forward(ScanStreams io, float[] bias, float[] dSkip, float[] aBlocks, Tensor bm, Tensor cm, int bi,
                 boolean reverse, int len, int cp, int ns) {
        softplusDeltas(io.array(ScanStreams.DELTA_RAW), io.base(ScanStreams.DELTA_RAW), bias, deltaArg, scratch, delta, len, cp);
        runForward(io.array(ScanStreams.U), io.base(ScanStreams.U), aBlocks, bm, cm, bi, reverse, len, cp, ns);
        float[] u = io.array(ScanStreams.U), z = io.array(ScanStreams.Z);
        float[] y = io.array(ScanStreams.RES0), out = io.array(ScanStreams.RES1);
        int uo = io.base(ScanStreams.U), zo = io.base(ScanStreams.Z), yo = io.base(ScanStreams.RES0), oo = io.base(ScanStreams.RES1);
        int tokens = len * cp;
        for (int row = 0; row < tokens; row += cp) {
            for (int e = 0; e < cp; e += W) {
                int i = row + e;
                FloatVector.fromArray(S, dSkip, e).fma(FloatVector.fromArray(S, u, uo + i), FloatVector.fromArray(S, readout, i))
                        .intoArray(y, yo + i);
            }
        }
        FastMath.expNegAbs(z, zo, scratch, 0, tokens);
        FastMath.silu(z, zo, scratch, 0, readout, 0, tokens);                 // readout now holds SiLU(z)
        for (int i = 0; i < tokens; i += W) {
            FloatVector.fromArray(S, y, yo + i).mul(FloatVector.fromArray(S, readout, i)).intoArray(out, oo + i);
        }
    }

    /**
     * delta = softplus(x) [L,E'] with x = Δraw + bias (bias [E'] broadcast over the tokens); x and
     * e^(−|x|) are left in deltaArg and argExp.
     */
    static void softplusDeltas(float[] deltaRaw, int off, float[] bias, float[] deltaArg, float[] argExp, float[] delta,
                               int len, int cp) {
        int tokens = len * cp;
        for (int row = 0; row < tokens; row += cp) {
            for (int e = 0; e < cp; e += W) {
                FloatVector.fromArray(S, deltaRaw, off + row + e).add(FloatVector.fromArray(S, bias, e)).intoArray(deltaArg, row + e);
            }
        }
        FastMath.expNegAbs(deltaArg, 0, argExp, 0, tokens);
        FastMath.softplus(deltaArg, 0, argExp, 0, delta, 0, tokens);
    }

    /**
     * The recurrence h_t = exp(Δ_t A) ⊙ h_prev + (Δ_t u_t) B_t in processing order, one step at a
     * time for all channels, keeping only the readout r_t = C_t · h_t ({@link FastMath#expDecay}:
     * decays below e^−60 are exactly 0, which keeps sub-normal numbers out of the recurrence).
     */
    private void runForward(float[] u, int uo, float[] a, Tensor bm, Tensor cm, int bi, boolean reverse, int len,
                            int cp, int ns) {
        int nw = ns * W, all = cp / W * nw;
        float[] h = state, dec = stepDecay, bmData = bm.data, cmData = cm.data, delta = this.delta;
        Arrays.fill(h, 0, all, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step, tc = t * cp;
            for (int e = 0, k = 0; e < cp; e += W) {
                FloatVector dt = FloatVector.fromArray(S, delta, tc + e);
                for (int n = 0; n < ns; n++, k += W) dt.mul(FloatVector.fromArray(S, a, k)).intoArray(dec, k);
            }
            FastMath.expDecay(dec, 0, dec, 0, all);                       // Δ ≥ 0, A < 0: arguments ≤ 0
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns, ur = uo + tc;
            for (int e = 0, k = 0; e < cp; e += W) {
                FloatVector dtu = FloatVector.fromArray(S, delta, tc + e).mul(FloatVector.fromArray(S, u, ur + e));
                FloatVector r = FloatVector.zero(S);
                for (int n = 0; n < ns; n++, k += W) {
                    FloatVector hv = FloatVector.fromArray(S, dec, k).fma(FloatVector.fromArray(S, h, k), dtu.mul(bmData[bRow + n]));
                    hv.intoArray(h, k);
                    r = hv.fma(FloatVector.broadcast(S, cmData[cRow + n]), r);
                }
                r.intoArray(readout, tc + e);
            }
        }
    }
}
