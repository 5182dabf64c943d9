package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

/**
 * dt_proj inside the fast scan ({@link CpuScanOps#selectiveScanForwardProjected}): Δraw = dtr·W_dtᵀ is
 * formed one sample at a time into the scan kernels' own buffers, and its backward contracts one
 * sample's dΔraw there, so neither [B,L,E] tensor is ever stored (a GEMM wrote Δraw, the scan read it
 * back forward and backward, and dΔraw was zero-filled, accumulated and read by two more GEMMs).
 * <pre>
 * Δraw[t,e]   = Σ_r dtr[t,r] W_dt[e,r]          r = 0..R−1 in order, one multiply then fmas, W lanes over e
 * dDtr[t,r]  += Σ_e dΔraw[t,e] W_dt[e,r]         per lane over the channel blocks in block order, then
 *                                                  the W lanes by a fixed tree (float)
 * dW_dt[e,r] += Σ_b Σ_t dΔraw[t,e] dtr[t,r]      per lane in float, {@value #FLUSH} steps at a time into a
 *                                                  running float total; a partial per sample, added in
 *                                                  double in sample order by the caller
 * </pre>
 * The block-layout and the row-layout Δraw of a sample are the same operations on the same values, so
 * the forward and the backward's recomputation see the same bits. Channels past E (the padding to a
 * multiple of W) get Δraw = 0 and add nothing.
 */
final class DeltaProjection {
    private static final VectorSpecies<Float> S = ScanStreams.S;
    private static final int W = ScanStreams.W;
    private static final int FLUSH = 16;

    /** Per thread: [0] a sample's Δraw rows, [1] its dΔraw rows ([L,E']). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private final Tensor dtr;        // [B,L,R]
    private final int rank, ch, cp;  // R, E, E' (E rounded up to W)
    private final float[] wt;        // [R][E'] W_dtᵀ, zero past E

    private DeltaProjection(Tensor dtr, Tensor dtWeight, int ch) {
        this.dtr = dtr;
        this.rank = dtWeight.dim(1);
        this.ch = ch;
        this.cp = ScanStreams.paddedChannels(ch);
        this.wt = new float[rank * cp];
        for (int e = 0; e < ch; e++) {
            for (int r = 0; r < rank; r++) wt[r * cp + e] = dtWeight.data[dtWeight.offset + e * rank + r];
        }
    }

    /** The projection of dtr [B,L,R] by dtWeight [E,R] (shapes checked by the caller). */
    static DeltaProjection of(Tensor dtr, Tensor dtWeight, int ch) {
        return new DeltaProjection(dtr, dtWeight, ch);
    }

    /** This thread's buffer {@code which} (see {@link #SCRATCH}) with at least n floats. */
    static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        if (s[which].length < n) s[which] = new float[n];
        return s[which];
    }

    /**
     * Δraw of the dtr row at {@code row} for channels lane0.. of four blocks at once (four independent
     * chains): block k's W lanes go to dst[at + k·stride ..]. Each lane is one multiply, then R − 1 fmas
     * in r order ({@link #deltaInto} does the same for one block; no vector crosses a method boundary:
     * FastMath explains why).
     */
    private void deltaInto4(int row, int lane0, float[] dst, int at, int stride) {
        float[] d = dtr.data;
        FloatVector bc = FloatVector.broadcast(S, d[row]);
        FloatVector a0 = FloatVector.fromArray(S, wt, lane0).mul(bc), a1 = FloatVector.fromArray(S, wt, lane0 + W).mul(bc);
        FloatVector a2 = FloatVector.fromArray(S, wt, lane0 + 2 * W).mul(bc), a3 = FloatVector.fromArray(S, wt, lane0 + 3 * W).mul(bc);
        for (int r = 1, w = cp + lane0; r < rank; r++, w += cp) {
            bc = FloatVector.broadcast(S, d[row + r]);
            a0 = FloatVector.fromArray(S, wt, w).fma(bc, a0);
            a1 = FloatVector.fromArray(S, wt, w + W).fma(bc, a1);
            a2 = FloatVector.fromArray(S, wt, w + 2 * W).fma(bc, a2);
            a3 = FloatVector.fromArray(S, wt, w + 3 * W).fma(bc, a3);
        }
        a0.intoArray(dst, at);
        a1.intoArray(dst, at + stride);
        a2.intoArray(dst, at + 2 * stride);
        a3.intoArray(dst, at + 3 * stride);
    }

    /** As {@link #deltaInto4} for one block. */
    private void deltaInto(int row, int lane0, float[] dst, int at) {
        float[] d = dtr.data;
        FloatVector acc = FloatVector.fromArray(S, wt, lane0).mul(FloatVector.broadcast(S, d[row]));
        for (int r = 1; r < rank; r++) acc = FloatVector.fromArray(S, wt, r * cp + lane0).fma(FloatVector.broadcast(S, d[row + r]), acc);
        acc.intoArray(dst, at);
    }

    /** Δraw of sample bi in block layout [E'/W][L][W] (the forward kernel's {@link ScanForward#sample} layout). */
    void sampleBlocks(int bi, int len, float[] dst) {
        int blocks = cp / W, b4 = blocks - blocks % 4;
        for (int t = 0; t < len; t++) {
            int row = dtr.offset + (bi * len + t) * rank;
            for (int b = 0; b < b4; b += 4) deltaInto4(row, b * W, dst, (b * len + t) * W, len * W);
            for (int b = b4; b < blocks; b++) deltaInto(row, b * W, dst, (b * len + t) * W);
        }
    }

    /** Δraw of sample bi in rows [L][E'] (the backward's {@link ScanStreams} layout); the same bits as {@link #sampleBlocks}. */
    void sampleRows(int bi, int len, float[] dst) {
        int blocks = cp / W, b4 = blocks - blocks % 4;
        for (int t = 0; t < len; t++) {
            int row = dtr.offset + (bi * len + t) * rank;
            for (int b = 0; b < b4; b += 4) deltaInto4(row, b * W, dst, t * cp + b * W, W);
            for (int b = b4; b < blocks; b++) deltaInto(row, b * W, dst, t * cp + b * W);
        }
    }

    /**
     * dDtr[bi] [L,R] += g·W_dt for g = dΔraw rows [L][E'] of sample bi: per token, four r at a time in
     * four independent vector sums over the channel blocks (block order), each then summed across its
     * lanes by a fixed tree ({@link #HALVES}: lane i + lane i ⊕ h for h = W/2, …, 1).
     */
    void addDtrGradient(float[] g, int bi, int len, Tensor dDtr) {
        int r4 = rank - rank % 4;
        float[] out = dDtr.data;
        for (int t = 0; t < len; t++) {
            int at = dDtr.offset + (bi * len + t) * rank, row = t * cp;
            for (int r = 0; r < r4; r += 4) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int e = 0, w0 = r * cp; e < cp; e += W, w0 += W) {
                    FloatVector gv = FloatVector.fromArray(S, g, row + e);
                    a0 = gv.fma(FloatVector.fromArray(S, wt, w0), a0);
                    a1 = gv.fma(FloatVector.fromArray(S, wt, w0 + cp), a1);
                    a2 = gv.fma(FloatVector.fromArray(S, wt, w0 + 2 * cp), a2);
                    a3 = gv.fma(FloatVector.fromArray(S, wt, w0 + 3 * cp), a3);
                }
                for (VectorShuffle<Float> h : HALVES) {
                    a0 = a0.add(a0.rearrange(h));
                    a1 = a1.add(a1.rearrange(h));
                    a2 = a2.add(a2.rearrange(h));
                    a3 = a3.add(a3.rearrange(h));
                }
                out[at + r] += a0.lane(0);
                out[at + r + 1] += a1.lane(0);
                out[at + r + 2] += a2.lane(0);
                out[at + r + 3] += a3.lane(0);
            }
            for (int r = r4; r < rank; r++) {
                FloatVector a0 = FloatVector.zero(S);
                for (int e = 0; e < cp; e += W) a0 = FloatVector.fromArray(S, g, row + e).fma(FloatVector.fromArray(S, wt, r * cp + e), a0);
                for (VectorShuffle<Float> h : HALVES) a0 = a0.add(a0.rearrange(h));
                out[at + r] += a0.lane(0);
            }
        }
    }

    /**
     * Sample bi's Σ_t dΔraw[t,e] dtr[t,r] into out[at ..] as a float [R,E'] (every element written; g = dΔraw rows [L][E']): per channel
     * block, four r at a time, vector sums over {@value #FLUSH} steps added into running vector totals
     * (a two-level float sum); the caller adds the samples' partials in double, in sample order.
     */
    void weightGradientPartial(float[] g, int bi, int len, float[] out, int at) {
        float[] d = dtr.data;
        int r4 = rank - rank % 4, base = dtr.offset + bi * len * rank;
        for (int e0 = 0; e0 < cp; e0 += W) {
            for (int r = 0; r < r4; r += 4) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int t0 = 0; t0 < len; t0 += FLUSH) {
                    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                    for (int t = t0, end = Math.min(len, t0 + FLUSH); t < end; t++) {
                        FloatVector gv = FloatVector.fromArray(S, g, t * cp + e0);
                        int row = base + t * rank + r;
                        a0 = gv.fma(FloatVector.broadcast(S, d[row]), a0);
                        a1 = gv.fma(FloatVector.broadcast(S, d[row + 1]), a1);
                        a2 = gv.fma(FloatVector.broadcast(S, d[row + 2]), a2);
                        a3 = gv.fma(FloatVector.broadcast(S, d[row + 3]), a3);
                    }
                    s0 = s0.add(a0);
                    s1 = s1.add(a1);
                    s2 = s2.add(a2);
                    s3 = s3.add(a3);
                }
                s0.intoArray(out, at + r * cp + e0);
                s1.intoArray(out, at + (r + 1) * cp + e0);
                s2.intoArray(out, at + (r + 2) * cp + e0);
                s3.intoArray(out, at + (r + 3) * cp + e0);
            }
            for (int r = r4; r < rank; r++) {
                FloatVector s0 = FloatVector.zero(S);
                for (int t0 = 0; t0 < len; t0 += FLUSH) {
                    FloatVector a0 = FloatVector.zero(S);
                    for (int t = t0, end = Math.min(len, t0 + FLUSH); t < end; t++) {
                        a0 = FloatVector.fromArray(S, g, t * cp + e0).fma(FloatVector.broadcast(S, d[base + t * rank + r]), a0);
                    }
                    s0 = s0.add(a0);
                }
                s0.intoArray(out, at + r * cp + e0);
            }
        }
    }

    /** Shuffles pairing lane i with lane i ⊕ h for h = W/2, W/4, …, 1: a fixed tree for the lane sums. */
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int steps = Integer.numberOfTrailingZeros(W);
        VectorShuffle<Float>[] h = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) {
            int step = W >> (k + 1);
            h[k] = VectorShuffle.fromOp(S, i -> i ^ step);
        }
        return h;
    }
}
