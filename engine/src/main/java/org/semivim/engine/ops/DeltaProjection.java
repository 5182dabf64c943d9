package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * dt_proj inside the fast scan ({@link CpuScanOps#selectiveScanForwardProjected}): Δraw = dtr·W_dtᵀ is
 * formed one sample at a time into the scan kernels' own buffers, and its backward contracts one
 * sample's dΔraw there, so neither [B,L,E] tensor is ever stored (a GEMM wrote Δraw, the scan read it
 * back forward and backward, and dΔraw was zero-filled, accumulated and read by two more GEMMs).
 * <pre>
 * Δraw[t,e]   = Σ_r dtr[t,r] W_dt[e,r]          r = 0..R−1 in order, one multiply then fmas, W lanes over e
 * dDtr[t,r]  += Σ_e dΔraw[t,e] W_dt[e,r]         per lane over the channel blocks in block order (float),
 *                                                  then the W lanes in double
 * dW_dt[e,r] += Σ_b Σ_t dΔraw[t,e] dtr[t,r]      per lane in float for {@value #FLUSH} steps, then double;
 *                                                  a double partial per sample, added in sample order by the caller
 * </pre>
 * The block-layout and the row-layout Δraw of a sample are the same operations on the same values, so
 * the forward and the backward's recomputation see the same bits. Channels past E (the padding to a
 * multiple of W) get Δraw = 0 and add nothing.
 */
final class DeltaProjection {
    private static final VectorSpecies<Float> S = ScanStreams.S;
    private static final int W = ScanStreams.W;
    private static final int FLUSH = 16;

    /** Per thread: [0] a sample's Δraw rows, [1] its dΔraw rows ([L,E']), [2] the dW_dt lane sums [R,E']. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

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
     * dst[at..at+W) = Δraw of the dtr row at {@code row} for channels lane0..lane0+W−1: one multiply, then
     * R − 1 fmas in r order (no vector crosses a method boundary: FastMath explains why).
     */
    private void deltaInto(int row, int lane0, float[] dst, int at) {
        float[] d = dtr.data;
        FloatVector acc = FloatVector.fromArray(S, wt, lane0).mul(d[row]);
        for (int r = 1; r < rank; r++) acc = FloatVector.fromArray(S, wt, r * cp + lane0).fma(FloatVector.broadcast(S, d[row + r]), acc);
        acc.intoArray(dst, at);
    }

    /** Δraw of sample bi in block layout [E'/W][L][W] (the forward kernel's {@link ScanForward#sample} layout). */
    void sampleBlocks(int bi, int len, float[] dst) {
        for (int t = 0; t < len; t++) {
            int row = dtr.offset + (bi * len + t) * rank;
            for (int b = 0; b * W < cp; b++) deltaInto(row, b * W, dst, (b * len + t) * W);
        }
    }

    /** Δraw of sample bi in rows [L][E'] (the backward's {@link ScanStreams} layout); the same bits as {@link #sampleBlocks}. */
    void sampleRows(int bi, int len, float[] dst) {
        for (int t = 0; t < len; t++) {
            int row = dtr.offset + (bi * len + t) * rank;
            for (int e = 0; e < cp; e += W) deltaInto(row, e, dst, t * cp + e);
        }
    }

    /** dDtr[bi] [L,R] += g·W_dt for g = dΔraw rows [L][E'] of sample bi. */
    void addDtrGradient(float[] g, int bi, int len, Tensor dDtr) {
        float[] lanes = new float[W];
        for (int t = 0; t < len; t++) {
            int at = dDtr.offset + (bi * len + t) * rank;
            for (int r = 0; r < rank; r++) {
                FloatVector acc = FloatVector.zero(S);
                for (int e = 0; e < cp; e += W) {
                    acc = FloatVector.fromArray(S, g, t * cp + e).fma(FloatVector.fromArray(S, wt, r * cp + e), acc);
                }
                acc.intoArray(lanes, 0);
                double sum = 0;
                for (int j = 0; j < W; j++) sum += lanes[j];
                dDtr.data[at + r] = (float) (dDtr.data[at + r] + sum);
            }
        }
    }

    /** Sample bi's Σ_t dΔraw[t,e] dtr[t,r] as a new double [E,R] (g = dΔraw rows [L][E']). */
    double[] weightGradientPartial(float[] g, int bi, int len) {
        float[] acc = scratch(2, rank * cp);
        Arrays.fill(acc, 0, rank * cp, 0f);
        double[] out = new double[ch * rank];
        float[] d = dtr.data;
        for (int t = 0; t < len; t++) {
            int row = dtr.offset + (bi * len + t) * rank;
            for (int r = 0; r < rank; r++) {
                FloatVector bc = FloatVector.broadcast(S, d[row + r]);
                for (int e = 0, k = r * cp; e < cp; e += W, k += W) {
                    FloatVector.fromArray(S, g, t * cp + e).fma(bc, FloatVector.fromArray(S, acc, k)).intoArray(acc, k);
                }
            }
            if ((t + 1) % FLUSH == 0 || t == len - 1) {
                for (int r = 0; r < rank; r++) {
                    for (int e = 0; e < ch; e++) {
                        out[e * rank + r] += acc[r * cp + e];
                        acc[r * cp + e] = 0f;
                    }
                }
            }
        }
        return out;
    }
}
