package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

/**
 * Fast convolutions in float: one task per batch sample (a partition fixed by the problem size),
 * inner loops vectorised along the contiguous channel axis (one fma per tap; the scalar tail past
 * the last full vector does the same fma, so a channel's result does not depend on where it falls).
 * Parameter gradients are summed per sample in float over at most {@link #FLUSH} tokens, then in
 * per-sample double partials that are added in sample order, so results do not depend on the
 * thread count.
 *
 * <p>The conv1d + SiLU pair of {@link ConvSiluOps} runs row by row: the forward applies
 * {@link FastMath#silu} to each output row right after forming it, the backward forms each row of
 * ∂L/∂pre = 0 + du·SiLU′(pre) (the fma of {@link CpuElementwiseOps#siluBackward} into a zero tensor)
 * in an [E] buffer and uses it at once: the bits of the two ops run one after the other.
 */
public final class CpuConvOps implements ConvOps, ConvSiluOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int W = S.length();
    /** Tokens between float → double flushes of the per-sample weight-gradient sums. */
    private static final int FLUSH = 32;
    private static final int CHANNELS_PER_SUM_TASK = 64;

    @Override
    public void depthwiseConv1dForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor out) {
        ConvShape.Conv1d s = ConvShape.conv1dForward(x, w, b, out);
        convForward(s, x, w, b, reverse, out, null);
    }

    @Override
    public void depthwiseConv1dSiluForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor pre, Tensor u) {
        ConvShape.Conv1d s = ConvShape.conv1dForward(x, w, b, pre);
        OpChecks.pointwise("depthwiseConv1dSiluForward", pre, u);
        if (u.data == pre.data) throw new IllegalArgumentException("depthwiseConv1dSiluForward: u must not share pre's array");
        convForward(s, x, w, b, reverse, pre, u);
    }

    /** u = SiLU(conv1d(x)), each pre row formed in an [E] buffer and dropped. */
    @Override
    public void depthwiseConv1dSiluOutput(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor u) {
        ConvShape.Conv1d s = ConvShape.conv1dForward(x, w, b, u);
        convForward(s, x, w, b, reverse, null, u);
    }

    /**
     * out = conv1d(x); when u is not null, u = SiLU(out), each row right after it is formed. out null
     * (u only): each row is formed in an [E] buffer instead.
     */
    private static void convForward(ConvShape.Conv1d s, Tensor x, Tensor w, Tensor b, boolean reverse, Tensor out, Tensor u) {
        int len = s.len(), ch = s.channels(), taps = s.taps();
        float[] wT = transposedTaps(w, ch, taps); // [K,E]: tap k of every channel is contiguous
        float[] xd = x.data;
        Parallel.forEach(s.batch(), bi -> {
            int sample = bi * len * ch;
            float[] e = u == null ? null : new float[ch];    // [E] e^(−|pre|) of one row
            float[] od = out == null ? new float[ch] : out.data; // out null: one pre row [E] at 0
            for (int t = 0; t < len; t++) {
                int o = out == null ? 0 : out.offset + sample + t * ch;
                System.arraycopy(b.data, b.offset, od, o, ch);
                for (int k = 0; k < taps; k++) {
                    int src = sourceToken(t, k, taps, reverse);
                    if (src < 0 || src >= len) continue;
                    addProducts(wT, k * ch, xd, x.offset + sample + src * ch, od, o, ch);
                }
                if (u != null) {
                    FastMath.expNegAbs(od, o, e, 0, ch);
                    FastMath.silu(od, o, e, 0, u.data, u.offset + sample + t * ch, ch);
                }
            }
        });
    }

    /** acc[accOff + e] = fma(p[pOff + e], q[qOff + e], acc[accOff + e]) for e &lt; n. */
    private static void addProducts(float[] p, int pOff, float[] q, int qOff, float[] acc, int accOff, int n) {
        int e = 0;
        for (; e <= n - W; e += W) {
            FloatVector.fromArray(S, p, pOff + e).fma(FloatVector.fromArray(S, q, qOff + e), FloatVector.fromArray(S, acc, accOff + e))
                    .intoArray(acc, accOff + e);
        }
        for (; e < n; e++) acc[accOff + e] = Math.fma(p[pOff + e], q[qOff + e], acc[accOff + e]);
    }

    /** acc[accOff + e] += v[vOff + e] for e &lt; n. */
    private static void add(float[] v, int vOff, float[] acc, int accOff, int n) {
        int e = 0;
        for (; e <= n - W; e += W) {
            FloatVector.fromArray(S, v, vOff + e).add(FloatVector.fromArray(S, acc, accOff + e)).intoArray(acc, accOff + e);
        }
        for (; e < n; e++) acc[accOff + e] += v[vOff + e];
    }

    @Override
    public void depthwiseConv1dBackward(Tensor x, Tensor w, boolean reverse, Tensor dout, Tensor dx, Tensor dw, Tensor db) {
        ConvShape.Conv1d s = ConvShape.conv1dBackward(x, w, dout, dx, dw, db);
        convBackward(s, x, w, null, reverse, dout, null, dx, dw, db);
    }

    @Override
    public void depthwiseConv1dSiluBackward(Tensor x, Tensor w, Tensor pre, boolean reverse, Tensor du, Tensor dx, Tensor dw,
                                            Tensor db) {
        ConvShape.Conv1d s = ConvShape.conv1dBackward(x, w, du, dx, dw, db);
        OpChecks.pointwise("depthwiseConv1dSiluBackward", x, pre, du);
        convBackward(s, x, w, null, reverse, du, pre, dx, dw, db);
    }

    /** Each pre row recomputed in an [E] buffer by the forward's operations (bias, then the taps' fmas in tap order). */
    @Override
    public void depthwiseConv1dSiluBackwardFromInput(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor du, Tensor dx,
                                                     Tensor dw, Tensor db) {
        ConvShape.Conv1d s = ConvShape.conv1dBackward(x, w, du, dx, dw, db);
        ConvShape.need(b, "depthwiseConv1dSiluBackwardFromInput: b").requireShape("depthwiseConv1dSiluBackwardFromInput: b", s.channels());
        convBackward(s, x, w, b, reverse, du, null, dx, dw, db);
    }

    /**
     * The conv backward of g = dout, or, when pre or bias is not null, of g = 0 + dout·SiLU′(pre) formed one
     * row at a time (dout is then ∂L/∂u); with bias (and pre null) each pre row is recomputed from x first.
     */
    private static void convBackward(ConvShape.Conv1d s, Tensor x, Tensor w, Tensor bias, boolean reverse, Tensor dout, Tensor pre,
                                     Tensor dx, Tensor dw, Tensor db) {
        int batch = s.batch(), len = s.len(), ch = s.channels(), taps = s.taps();
        float[] wT = transposedTaps(w, ch, taps);          // [K,E]
        SampleBuffers partials = SampleBuffers.forThread();
        double[] dwPartial = partials.doubles(SampleBuffers.CONV_DW, batch * taps * ch); // [B][K,E], each row zeroed by its task
        double[] dbPartial = partials.doubles(SampleBuffers.CONV_DB, batch * ch);        // [B][E]
        float[] xd = x.data, dd = dout.data, dxd = dx.data;
        Parallel.forEach(batch, bi -> {
            int dwAt = bi * taps * ch, dbAt = bi * ch;
            java.util.Arrays.fill(dwPartial, dwAt, dwAt + taps * ch, 0);
            java.util.Arrays.fill(dbPartial, dbAt, dbAt + ch, 0);
            int sample = bi * len * ch;
            float[][] rows = taskRows(taps * ch, ch);
            float[] dwRun = rows[0];                         // [K,E] float sums since the last flush
            float[] dbRun = rows[1];                         // [E]
            float[] gRow = rows[2];                          // [E] one row of ∂L/∂pre (with pre or bias)
            float[] preRow = rows[3];                        // [E] one recomputed row of pre (with bias)
            for (int t = 0; t < len; t++) {
                int row = sample + t * ch, g;                // g: row t of ∂L/∂pre at gd[g..g+E)
                float[] gd;
                if (bias != null) {                          // the forward's operations: bias, then the taps in order
                    System.arraycopy(bias.data, bias.offset, preRow, 0, ch);
                    for (int k = 0; k < taps; k++) {
                        int src = sourceToken(t, k, taps, reverse);
                        if (src >= 0 && src < len) addProducts(wT, k * ch, xd, x.offset + sample + src * ch, preRow, 0, ch);
                    }
                    gd = siluGradientRow(preRow, 0, dd, dout.offset + row, gRow, ch);
                    g = 0;
                } else if (pre == null) {
                    gd = dd;
                    g = dout.offset + row;
                } else {
                    gd = siluGradientRow(pre.data, pre.offset + row, dd, dout.offset + row, gRow, ch);
                    g = 0;
                }
                add(gd, g, dbRun, 0, ch);
                for (int k = 0; k < taps; k++) {
                    int src = sourceToken(t, k, taps, reverse);
                    if (src < 0 || src >= len) continue;
                    addProducts(gd, g, xd, x.offset + sample + src * ch, dwRun, k * ch, ch);
                    addProducts(gd, g, wT, k * ch, dxd, dx.offset + sample + src * ch, ch);
                }
                if ((t + 1) % FLUSH == 0 || t == len - 1) {
                    flush(dwRun, taps * ch, dwPartial, dwAt);
                    flush(dbRun, ch, dbPartial, dbAt);
                }
            }
        });
        // the per-sample partials, added in sample order (each element on its own: any split of e gives the same bits)
        Parallel.forEach(Parallel.chunks(ch, CHANNELS_PER_SUM_TASK), c -> {
            for (int e = c * CHANNELS_PER_SUM_TASK, end = Math.min(ch, e + CHANNELS_PER_SUM_TASK); e < end; e++) {
                for (int k = 0; k < taps; k++) {
                    double acc = 0;
                    for (int bi = 0; bi < batch; bi++) acc += dwPartial[bi * taps * ch + k * ch + e];
                    int i = dw.offset + e * taps + k;
                    dw.data[i] = (float) (dw.data[i] + acc);
                }
                double acc = 0;
                for (int bi = 0; bi < batch; bi++) acc += dbPartial[bi * ch + e];
                db.data[db.offset + e] = (float) (db.data[db.offset + e] + acc);
            }
        });
    }

    /**
     * row[e] = fma(du[duOff + e], SiLU′(pre[preOff + e]), 0) for e &lt; n: the slope from e^(−|pre|) in
     * place, as {@link CpuElementwiseOps#siluBackward} adds it into a zero ∂L/∂pre. Returns row.
     */
    private static float[] siluGradientRow(float[] pre, int preOff, float[] du, int duOff, float[] row, int n) {
        FastMath.expNegAbs(pre, preOff, row, 0, n);
        FastMath.siluSlope(pre, preOff, row, 0, row, 0, n);
        FloatVector zero = FloatVector.zero(S);
        int e = 0;
        for (; e <= n - W; e += W) {
            FloatVector.fromArray(S, du, duOff + e).fma(FloatVector.fromArray(S, row, e), zero).intoArray(row, e);
        }
        for (; e < n; e++) row[e] = Math.fma(du[duOff + e], row[e], 0f);
        return row;
    }

    /** to[at + i] += from[i] (in double), then from[i] = 0, for i &lt; n. */
    private static void flush(float[] from, int n, double[] to, int at) {
        for (int i = 0; i < n; i++) {
            to[at + i] += from[i];
            from[i] = 0f;
        }
    }

    /** Per executing thread: a task's row buffers {dwRun [K·E], dbRun [E], gRow [E], preRow [E]}. */
    private static final ThreadLocal<float[][]> TASK_ROWS = ThreadLocal.withInitial(() -> new float[4][0]);

    /**
     * This thread's task row buffers for K·E = kn and E = ch: dwRun and dbRun zeroed here (a task that
     * failed may have left sums in them), gRow and preRow rewritten before each read.
     */
    private static float[][] taskRows(int kn, int ch) {
        float[][] r = TASK_ROWS.get();
        if (r[0].length < kn) r[0] = new float[kn];
        for (int i = 1; i < 4; i++) if (r[i].length < ch) r[i] = new float[ch];
        java.util.Arrays.fill(r[0], 0, kn, 0f);
        java.util.Arrays.fill(r[1], 0, ch, 0f);
        return r;
    }

    /** Same indexing as ConvRef.sourceToken: causal t − (K−1) + k, anti-causal t + (K−1) − k. */
    private static int sourceToken(int t, int k, int taps, boolean reverse) {
        return reverse ? t + (taps - 1) - k : t - (taps - 1) + k;
    }

    private static float[] transposedTaps(Tensor w, int ch, int taps) {
        float[] wT = new float[taps * ch];
        for (int e = 0; e < ch; e++) {
            for (int k = 0; k < taps; k++) wT[k * ch + e] = w.data[w.offset + e * taps + k];
        }
        return wT;
    }

    @Override
    public void patchify(Tensor img, int patch, int stride, Tensor patches) {
        ConvShape.Patches s = ConvShape.patches("patchify", img, patch, stride, patches, "patches");
        Parallel.forEach(s.batch(), bi -> forEachPatchRow(s, bi, (pixel, col) ->
                System.arraycopy(img.data, img.offset + pixel, patches.data, patches.offset + col, patch)));
    }

    @Override
    public void unpatchifyAccumulate(Tensor dpatches, int patch, int stride, Tensor dimg) {
        ConvShape.Patches s = ConvShape.patches("unpatchifyAccumulate", dimg, patch, stride, dpatches, "dpatches");
        // overlapping patches of one sample add into the same pixels: sequential inside the sample's task
        Parallel.forEach(s.batch(), bi -> forEachPatchRow(s, bi, (pixel, col) -> {
            int p0 = dimg.offset + pixel, c0 = dpatches.offset + col;
            for (int kw = 0; kw < patch; kw++) dimg.data[p0 + kw] += dpatches.data[c0 + kw];
        }));
    }

    /** Receives the flat index of the first pixel of one patch row (p pixels) and of its first patch column. */
    private interface RowVisitor {
        void visit(int pixel, int col);
    }

    /** Visits every (patch, channel, kernel row) of sample bi in patch order. */
    private static void forEachPatchRow(ConvShape.Patches s, int bi, RowVisitor v) {
        int p = s.patch(), cols = s.cols();
        for (int i = 0; i < s.gh(); i++) {
            for (int j = 0; j < s.gw(); j++) {
                int row = (bi * s.count() + i * s.gw() + j) * cols;
                for (int c = 0; c < s.chans(); c++) {
                    for (int kh = 0; kh < p; kh++) {
                        int pixel = ((bi * s.chans() + c) * s.height() + i * s.stride() + kh) * s.width() + j * s.stride();
                        v.visit(pixel, row + (c * p + kh) * p);
                    }
                }
            }
        }
    }
}
