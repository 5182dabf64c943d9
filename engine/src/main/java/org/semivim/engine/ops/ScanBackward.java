package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The backward kernel of {@link CpuScanOps} for one sample (math: vim-spec.md §10.1), vectorised
 * across channels like {@link ScanForward}: blocks of W consecutive channels, one vector lane each,
 * but in token-row order over the sample's rows (which {@link ScanStreams} binds in place).
 *
 * <p>Order of work: the element-wise parts run over the whole sample, one token row at a time so
 * that a row's intermediates stay in L1 ([L,E'] is contiguous in both bindings of
 * {@link ScanStreams}): Δ = softplus(Δraw + bias) and its slope, SiLU(z) and its slope,
 * gy = dOut ⊙ SiLU(z), gr = gy (+ dReadout), dD. Then the channel blocks, in groups of
 * {@link #groupSize} blocks: the group's states are recomputed, steps in processing order and
 * the group's blocks inside each step, two at a time (the step's decays exp(Δ_t A) and states are
 * kept for the sweep), then the reverse sweep runs steps L−1..0, again with the group's blocks
 * inside each step, two at a time (B_n, C_n and the dB/dC partial row shared by the pair).
 * Token rows are thus read and written in order, in runs of a whole group, and a step's [N,W]
 * rows of the dBm/dCm lane partials stay in L1 while all blocks add to them. Last, dz = dOut ⊙ y ⊙
 * SiLU′(z) with y = D⊙u + r over the whole sample.
 *
 * <p>Sums: dBm/dCm (over channels) go through per-lane float partials [L,N,W], one addition per
 * block in block order, added across lanes in double by the caller; sums over the steps (dALog,
 * dD, dDeltaBias) are kept per lane in float for at most {@link #FLUSH} steps, then added into
 * per-lane double sums. The group size changes no sum's order, so results do not depend on it.
 *
 * <p>One instance per thread ({@link #forThread}), grown to the largest problem seen; every buffer
 * is rewritten (or zeroed) before it is read.
 */
final class ScanBackward {
    private static final VectorSpecies<Float> S = ScanStreams.S;
    private static final int W = ScanStreams.W;
    private static final int FLUSH = 16;
    /** Bytes of decays and states a group may hold, so that they stay in L2. */
    private static final long GROUP_BYTES = 1L << 20;

    private static final ThreadLocal<ScanBackward> PER_THREAD = ThreadLocal.withInitial(() -> new ScanBackward(0, 0, 0));

    private final int capTokens, capGroupStates, capStates;   // L·E', (L+1)·G·N·W, E'·N
    private final float[] deltaArg, argExp;            // [E'] one row's x = Δraw + bias and e^(−|x|) (or e^(−|z|))
    private final float[] delta;                       // [L,E'] Δ = softplus(x)
    private final float[] softplusSlope;               // [L,E'] σ(x)
    private final float[] siluSlope;                   // [L,E'] SiLU′(z)
    private final float[] gradY, gradR;                // [L,E'] ∂L/∂y, ∂L/∂r (gradR unused without dReadout)
    private final float[] readout;                     // [L,E'] r = C·h
    private final float[] decay;                       // [L][G][N,W] exp(Δ A) of step s
    private final float[] states;                      // [L+1][G][N,W] row 0 = 0, row s+1 = h after step s
    private final float[] carry;                       // [G][N,W] exp(Δ A) ⊙ g of the step processed before
    private final float[] dAFloat;                     // [E'/W][N,W] Σ_t g a Δ since the last flush
    private final float[] laneSums;                    // [E'] dD, then dDeltaBias, since the last flush
    private final float[] pairSums = new float[4 * W];  // Σ_n g B and Σ_n g A a of the sweep's two blocks
    final double[] dA;                                 // [E'/W][N,W] Σ_t g a Δ (∂L/∂A, times A later)
    final double[] dD, dBias;                          // [E']
    final float[] dB, dC;                              // [L,N,W] token order, lane partials of Σ_e

    private ScanBackward(int tokens, int groupStates, int stateSize) {
        capTokens = tokens;
        capGroupStates = groupStates;
        capStates = stateSize;
        deltaArg = new float[stateSize];                  // E'·N ≥ E'
        argExp = new float[stateSize];
        delta = new float[tokens];
        softplusSlope = new float[tokens];
        siluSlope = new float[tokens];
        gradY = new float[tokens];
        gradR = new float[tokens];
        readout = new float[tokens];
        decay = new float[groupStates];
        states = new float[groupStates];
        carry = new float[stateSize];
        dAFloat = new float[stateSize];
        laneSums = new float[stateSize];
        dA = new double[stateSize];
        dD = new double[stateSize];
        dBias = new double[stateSize];
        dB = new float[groupStates];
        dC = new float[groupStates];
    }

    /** Blocks per group for len steps and ns states, a function of the problem size only (at most blocks). */
    static int groupSize(int len, int ns, int blocks) {
        long perBlock = (2L * len + 1) * ns * W * Float.BYTES;
        return (int) Math.max(1, Math.min(blocks, GROUP_BYTES / perBlock));
    }

    /** This thread's kernel for len tokens, cp (padded) channels, ns states and groups of group blocks. */
    static ScanBackward forThread(int len, int cp, int ns, int group) {
        ScanBackward k = PER_THREAD.get();
        int groupStates = Math.max((len + 1) * group * ns * W, len * ns * W);
        if (k.capTokens < len * cp || k.capGroupStates < groupStates || k.capStates < cp * ns) {
            k = new ScanBackward(Math.max(len * cp, k.capTokens), Math.max(groupStates, k.capGroupStates),
                    Math.max(cp * ns, k.capStates));
            PER_THREAD.set(k);
        }
        return k;
    }

    /**
     * The backward of the bound sample: adds (or writes, see {@link ScanStreams}) du, dΔraw, dz;
     * sets dB, dC (lane partials), dA, dD, dBias. bias, dSkip [E'], aBlocks [E'/W][N][W]
     * (A = −exp(A_log)) and a2Blocks (A·log2 e, the same layout, for the decays) are zero past the
     * last channel; bm, cm [B,L,N] are read directly.
     */
    void backward(ScanStreams io, float[] bias, float[] dSkip, float[] aBlocks, float[] a2Blocks, Tensor bm, Tensor cm, int bi,
                  boolean reverse, boolean withReadout, int len, int cp, int ns, int group) {
        int blocks = cp / W;
        elementwise(io, bias, withReadout, len, cp);
        Arrays.fill(dB, 0, len * ns * W, 0f);
        Arrays.fill(dC, 0, len * ns * W, 0f);
        for (int first = 0; first < blocks; first += group) {
            int count = Math.min(group, blocks - first);
            float[] gr = withReadout ? gradR : gradY;
            runStates(io, a2Blocks, first, count, gr, bm, cm, bi, reverse, len, cp, ns);
            sweep(io, dSkip, aBlocks, first, count, gr, bm, cm, bi, reverse, len, cp, ns);
        }
        gateGradient(io, dSkip, len, cp);
    }

    /**
     * The element-wise part, one token row at a time (a row's intermediates x and e^(−|·|) stay in
     * L1): Δ = softplus(x) and σ(x) with x = Δraw + bias (per lane the operations of the forward's
     * Δ), SiLU′(z), gradY = dOut ⊙ SiLU(z), gradR = gradY + dReadout, dD = Σ_t gradY ⊙ u.
     */
    private void elementwise(ScanStreams io, float[] bias, boolean withReadout, int len, int cp) {
        float[] deltaRaw = io.array(ScanStreams.DELTA_RAW), z = io.array(ScanStreams.Z);
        float[] u = io.array(ScanStreams.U), dOut = io.array(ScanStreams.D_OUT), dReadout = io.array(ScanStreams.D_READOUT);
        int dro0 = io.base(ScanStreams.DELTA_RAW), zo = io.base(ScanStreams.Z), uo = io.base(ScanStreams.U);
        int go = io.base(ScanStreams.D_OUT), ro = io.base(ScanStreams.D_READOUT);
        float[] x = deltaArg, ex = argExp;
        Arrays.fill(dD, 0, cp, 0);
        Arrays.fill(laneSums, 0, cp, 0f);
        for (int t = 0, row = 0; t < len; t++, row += cp) {
            for (int e = 0; e < cp; e += W) {
                FloatVector.fromArray(S, deltaRaw, dro0 + row + e).add(FloatVector.fromArray(S, bias, e)).intoArray(x, e);
            }
            FastMath.expNegAbs(x, 0, ex, 0, cp);
            FastMath.softplus(x, 0, ex, 0, delta, row, cp);
            FastMath.sigmoid(x, 0, ex, 0, softplusSlope, row, cp);                 // softplus′(x) = σ(x)
            FastMath.expNegAbs(z, zo + row, ex, 0, cp);
            FastMath.siluSlope(z, zo + row, ex, 0, siluSlope, row, cp);
            FastMath.silu(z, zo + row, ex, 0, x, 0, cp);                           // x now holds SiLU(z)
            for (int e = 0, i = row; e < cp; e += W, i += W) {
                FloatVector gy = FloatVector.fromArray(S, dOut, go + i).mul(FloatVector.fromArray(S, x, e));
                gy.intoArray(gradY, i);
                if (withReadout) gy.add(FloatVector.fromArray(S, dReadout, ro + i)).intoArray(gradR, i);
                gy.fma(FloatVector.fromArray(S, u, uo + i), FloatVector.fromArray(S, laneSums, e)).intoArray(laneSums, e);
            }
            if ((t + 1) % FLUSH == 0 || t == len - 1) flushInto(dD, cp);
        }
    }

    /** target[0..n) += laneSums[0..n) in double; laneSums restarts at 0. */
    private void flushInto(double[] target, int n) {
        for (int i = 0; i < n; i++) {
            target[i] += laneSums[i];
            laneSums[i] = 0f;
        }
    }

    /**
     * Steps in processing order, blocks first..first+count−1 inside each: the step's decays
     * exp(Δ_t A_n) = 2^(Δ_t A_n log2 e) ({@link FastMath#exp2DecayOfProducts} over a2 = A·log2 e,
     * the forward's operations: below e^−60 exactly 0), then h_t = decay ⊙ h_prev +
     * (Δ_t u_t) B_t, keeping every decay and state, the readout r_t = C_t · h_t, and adding
     * gr_t ⊙ h_t into the dC lane partials (gr = ∂L/∂r [L,E']).
     */
    private void runStates(ScanStreams io, float[] a2, int first, int count, float[] gr, Tensor bm, Tensor cm, int bi, boolean reverse,
                           int len, int cp, int ns) {
        int nw = ns * W, rowSize = count * nw, e0 = first * W;
        float[] u = io.array(ScanStreams.U), decay = this.decay, states = this.states, delta = this.delta;
        float[] bmData = bm.data, cmData = cm.data, dC = this.dC;
        int uo = io.base(ScanStreams.U);
        Arrays.fill(states, 0, rowSize, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step, tc = t * cp, dRow = step * rowSize;
            FastMath.exp2DecayOfProducts(a2, first * nw, delta, tc + e0, decay, dRow, rowSize, nw); // Δ ≥ 0, A < 0: arguments ≤ 0
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns, tok = t * nw;
            int slot = 0;
            for (; slot + 1 < count; slot += 2) {                          // two blocks at once: B_n, C_n and the dC row loaded once
                int e = tc + e0 + slot * W, e1 = e + W, k0 = dRow + slot * nw, k1 = k0 + nw;
                FloatVector dtu0 = FloatVector.fromArray(S, delta, e).mul(FloatVector.fromArray(S, u, uo + e));
                FloatVector dtu1 = FloatVector.fromArray(S, delta, e1).mul(FloatVector.fromArray(S, u, uo + e1));
                FloatVector gr0 = FloatVector.fromArray(S, gr, e), gr1 = FloatVector.fromArray(S, gr, e1);
                FloatVector r0 = FloatVector.zero(S), r1 = FloatVector.zero(S);
                for (int n = 0, kn = 0; n < ns; n++, kn += W) {
                    float bn = bmData[bRow + n];
                    FloatVector cn = FloatVector.broadcast(S, cmData[cRow + n]);
                    FloatVector h0 = FloatVector.fromArray(S, decay, k0 + kn)
                            .fma(FloatVector.fromArray(S, states, k0 + kn), dtu0.mul(bn));
                    FloatVector h1 = FloatVector.fromArray(S, decay, k1 + kn)
                            .fma(FloatVector.fromArray(S, states, k1 + kn), dtu1.mul(bn));
                    h0.intoArray(states, k0 + rowSize + kn);
                    h1.intoArray(states, k1 + rowSize + kn);
                    r0 = h0.fma(cn, r0);
                    r1 = h1.fma(cn, r1);
                    gr1.fma(h1, gr0.fma(h0, FloatVector.fromArray(S, dC, tok + kn))).intoArray(dC, tok + kn); // block order
                }
                r0.intoArray(readout, e);
                r1.intoArray(readout, e1);
            }
            for (int k = slot * nw; slot < count; slot++) {                // the last block of an odd count
                int e = tc + e0 + slot * W;
                FloatVector dtu = FloatVector.fromArray(S, delta, e).mul(FloatVector.fromArray(S, u, uo + e));
                FloatVector grv = FloatVector.fromArray(S, gr, e);
                FloatVector r = FloatVector.zero(S);
                for (int n = 0; n < ns; n++, k += W) {
                    FloatVector h = FloatVector.fromArray(S, decay, dRow + k)
                            .fma(FloatVector.fromArray(S, states, dRow + k), dtu.mul(bmData[bRow + n]));
                    h.intoArray(states, dRow + rowSize + k);
                    r = h.fma(FloatVector.broadcast(S, cmData[cRow + n]), r);
                    grv.fma(h, FloatVector.fromArray(S, dC, tok + n * W)).intoArray(dC, tok + n * W);
                }
                r.intoArray(readout, e);
            }
        }
    }

    /**
     * The reverse-mode recurrence for blocks first..first+count−1 after {@link #runStates}: steps
     * len−1..0 of the processing order, the blocks in order inside each step. Writes (or adds) du and
     * dΔraw, adds into dB and sets the blocks' dA and dBias. gr is ∂L/∂r [L,E'].
     */
    private void sweep(ScanStreams io, float[] dSkip, float[] a, int first, int count, float[] gr, Tensor bm, Tensor cm,
                       int bi, boolean reverse, int len, int cp, int ns) {
        int nw = ns * W, rowSize = count * nw, e0 = first * W, a0 = first * nw;
        boolean add = io.addResults, addDelta = add && !io.writeDeltaGradient;  // every (t, e) of dΔraw is stored once below
        float[] u = io.array(ScanStreams.U), du = io.array(ScanStreams.DU), dDeltaRaw = io.array(ScanStreams.D_DELTA_RAW);
        int uo = io.base(ScanStreams.U), duo = io.base(ScanStreams.DU), dro = io.base(ScanStreams.D_DELTA_RAW);
        float[] carry = this.carry, dAFloat = this.dAFloat, decay = this.decay, states = this.states, delta = this.delta;
        float[] dB = this.dB, bmData = bm.data, cmData = cm.data, laneSums = this.laneSums;
        Arrays.fill(carry, 0, rowSize, 0f);
        Arrays.fill(dAFloat, a0, a0 + rowSize, 0f);
        Arrays.fill(dA, a0, a0 + rowSize, 0);
        Arrays.fill(laneSums, e0, e0 + count * W, 0f);
        Arrays.fill(dBias, e0, e0 + count * W, 0);
        for (int step = len - 1; step >= 0; step--) {
            int t = reverse ? len - 1 - step : step, tc = t * cp, tok = t * nw;
            int bRow = bm.offset + (bi * len + t) * ns, cRow = cm.offset + (bi * len + t) * ns;
            int prevRow = step * rowSize;
            int slot = 0;
            for (; slot + 1 < count; slot += 2) {          // two blocks at once: B_n, C_n and the dB row loaded once
                int no0 = slot * nw, no1 = no0 + nw, i0 = tc + e0 + slot * W, i1 = i0 + W, ao0 = a0 + no0, ao1 = ao0 + nw;
                int p0 = prevRow + no0, p1 = prevRow + no1;
                FloatVector dt0 = FloatVector.fromArray(S, delta, i0), dt1 = FloatVector.fromArray(S, delta, i1);
                FloatVector dtu0 = dt0.mul(FloatVector.fromArray(S, u, uo + i0)), dtu1 = dt1.mul(FloatVector.fromArray(S, u, uo + i1));
                FloatVector gr0 = FloatVector.fromArray(S, gr, i0), gr1 = FloatVector.fromArray(S, gr, i1);
                FloatVector gB0 = FloatVector.zero(S), gAa0 = FloatVector.zero(S), gB1 = FloatVector.zero(S), gAa1 = FloatVector.zero(S);
                for (int n = 0, kn = 0; n < ns; n++, kn += W) {
                    FloatVector cn = FloatVector.broadcast(S, cmData[cRow + n]), bn = FloatVector.broadcast(S, bmData[bRow + n]);
                    FloatVector dec0 = FloatVector.fromArray(S, decay, p0 + kn), dec1 = FloatVector.fromArray(S, decay, p1 + kn);
                    FloatVector g0 = gr0.fma(cn, FloatVector.fromArray(S, carry, no0 + kn));
                    FloatVector g1 = gr1.fma(cn, FloatVector.fromArray(S, carry, no1 + kn));
                    FloatVector gaa0 = g0.mul(dec0.mul(FloatVector.fromArray(S, states, p0 + kn)));
                    FloatVector gaa1 = g1.mul(dec1.mul(FloatVector.fromArray(S, states, p1 + kn)));
                    g1.fma(dtu1, g0.fma(dtu0, FloatVector.fromArray(S, dB, tok + kn))).intoArray(dB, tok + kn); // block order
                    gB0 = g0.fma(bn, gB0);
                    gB1 = g1.fma(bn, gB1);
                    gAa0 = gaa0.fma(FloatVector.fromArray(S, a, ao0 + kn), gAa0);
                    gAa1 = gaa1.fma(FloatVector.fromArray(S, a, ao1 + kn), gAa1);
                    gaa0.fma(dt0, FloatVector.fromArray(S, dAFloat, ao0 + kn)).intoArray(dAFloat, ao0 + kn);
                    gaa1.fma(dt1, FloatVector.fromArray(S, dAFloat, ao1 + kn)).intoArray(dAFloat, ao1 + kn);
                    dec0.mul(g0).intoArray(carry, no0 + kn);
                    dec1.mul(g1).intoArray(carry, no1 + kn);
                }
                gB0.intoArray(pairSums, 0);
                gAa0.intoArray(pairSums, W);
                gB1.intoArray(pairSums, 2 * W);
                gAa1.intoArray(pairSums, 3 * W);
                for (int j = 0; j < 2; j++) {
                    int e = e0 + (slot + j) * W, i = tc + e;
                    FloatVector uv = FloatVector.fromArray(S, u, uo + i), dt = FloatVector.fromArray(S, delta, i);
                    FloatVector gB = FloatVector.fromArray(S, pairSums, 2 * j * W), gAa = FloatVector.fromArray(S, pairSums, (2 * j + 1) * W);
                    FloatVector duv = FloatVector.fromArray(S, dSkip, e).fma(FloatVector.fromArray(S, gradY, i), dt.mul(gB));
                    (add ? duv.add(FloatVector.fromArray(S, du, duo + i)) : duv).intoArray(du, duo + i);
                    FloatVector dArg = uv.fma(gB, gAa).mul(FloatVector.fromArray(S, softplusSlope, i)); // ∂L/∂(Δraw + bias)
                    (addDelta ? dArg.add(FloatVector.fromArray(S, dDeltaRaw, dro + i)) : dArg).intoArray(dDeltaRaw, dro + i);
                    FloatVector.fromArray(S, laneSums, e).add(dArg).intoArray(laneSums, e);
                }
            }
            for (; slot < count; slot++) {                  // the last block of an odd count
                int e = e0 + slot * W, i = tc + e, no = slot * nw, ao = a0 + no;
                FloatVector uv = FloatVector.fromArray(S, u, uo + i), dt = FloatVector.fromArray(S, delta, i);
                FloatVector grv = FloatVector.fromArray(S, gr, i);
                FloatVector dtu = dt.mul(uv), gB = FloatVector.zero(S), gAa = FloatVector.zero(S); // Σ_n g B, Σ_n g A a
                for (int n = 0; n < ns; n++) {
                    int kn = n * W;
                    FloatVector dec = FloatVector.fromArray(S, decay, prevRow + no + kn);
                    FloatVector g = grv.fma(FloatVector.broadcast(S, cmData[cRow + n]), FloatVector.fromArray(S, carry, no + kn)); // ∂L/∂h_t
                    FloatVector gaa = g.mul(dec.mul(FloatVector.fromArray(S, states, prevRow + no + kn)));  // g ⊙ exp(ΔA) h_prev
                    g.fma(dtu, FloatVector.fromArray(S, dB, tok + kn)).intoArray(dB, tok + kn);
                    gB = g.fma(FloatVector.broadcast(S, bmData[bRow + n]), gB);
                    gAa = gaa.fma(FloatVector.fromArray(S, a, ao + kn), gAa);
                    gaa.fma(dt, FloatVector.fromArray(S, dAFloat, ao + kn)).intoArray(dAFloat, ao + kn);
                    dec.mul(g).intoArray(carry, no + kn);
                }
                FloatVector duv = FloatVector.fromArray(S, dSkip, e).fma(FloatVector.fromArray(S, gradY, i), dt.mul(gB));
                (add ? duv.add(FloatVector.fromArray(S, du, duo + i)) : duv).intoArray(du, duo + i);
                FloatVector dArg = uv.fma(gB, gAa).mul(FloatVector.fromArray(S, softplusSlope, i)); // ∂L/∂(Δraw + bias)
                (addDelta ? dArg.add(FloatVector.fromArray(S, dDeltaRaw, dro + i)) : dArg).intoArray(dDeltaRaw, dro + i);
                FloatVector.fromArray(S, laneSums, e).add(dArg).intoArray(laneSums, e);
            }
            if (step % FLUSH == 0) {
                for (int k = a0; k < a0 + rowSize; k++) {
                    dA[k] += dAFloat[k];
                    dAFloat[k] = 0f;
                }
                for (int k = e0; k < e0 + count * W; k++) {
                    dBias[k] += laneSums[k];
                    laneSums[k] = 0f;
                }
            }
        }
    }

    /** dz = dOut ⊙ y ⊙ SiLU′(z) with y = D⊙u + r, over the whole sample (written or added). */
    private void gateGradient(ScanStreams io, float[] dSkip, int len, int cp) {
        float[] u = io.array(ScanStreams.U), dOut = io.array(ScanStreams.D_OUT), dz = io.array(ScanStreams.DZ);
        int uo = io.base(ScanStreams.U), go = io.base(ScanStreams.D_OUT), dzo = io.base(ScanStreams.DZ);
        boolean add = io.addResults;
        for (int t = 0; t < len; t++) {
            for (int e = 0, i = t * cp; e < cp; e += W, i += W) {
                FloatVector y = FloatVector.fromArray(S, dSkip, e).fma(FloatVector.fromArray(S, u, uo + i), FloatVector.fromArray(S, readout, i));
                FloatVector v = FloatVector.fromArray(S, dOut, go + i).mul(y).mul(FloatVector.fromArray(S, siluSlope, i));
                (add ? v.add(FloatVector.fromArray(S, dz, dzo + i)) : v).intoArray(dz, dzo + i);
            }
        }
    }
}
