package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The fast selective scan in float (math: {@link ScanOps}, {@code reference/ScanRef}), vectorised
 * across channels: W = {@link ScanStreams#W} channels of one sample are scanned together, one
 * vector lane each, with {@link FastMath}'s exp/softplus/sigmoid/SiLU. The kernels are
 * {@link ScanForward} (one channel block at a time over a block-layout copy of the sample) and
 * {@link ScanBackward} (token rows in order; {@link ScanStreams} says where it reads and writes a
 * sample's [L,E] rows: in place, or in zero-padded copies when E is not a multiple of W).
 *
 * <p>Parallelism: one task per batch sample, a partition fixed by the problem size. A task owns
 * the [L,E] and [L,N] rows of its sample, so it writes y, out, du, dDeltaRaw, dz, dBm, dCm
 * directly (dBm/dCm, sums over e, are first summed in the task's own lane partials, see
 * ScanBackward). dALog, dD and dDeltaBias sum over samples: each task writes a per-sample double
 * partial, and the partials are added in sample order afterwards. Results are therefore
 * bit-identical for any thread count. (They may differ in the last bits between machines with
 * different vector widths, since W sets how the dBm/dCm sums over channels are grouped.)
 *
 * <p>Memory: the B·L·E·N states h_t are NEVER stored (for ViM-Ti at B=128, L=197 that would be
 * 620 MB per direction and layer, vim-spec.md §10.1). The backward recomputes the states of a
 * group of channel blocks ([L+1, G·N·W] floats, G chosen so that decays and states take about
 * 1 MiB) right before its reverse sweep; per thread the scratch is O(L·E + L·G·N·W), reused across
 * calls; the per-sample parameter partials are O(B·E·N) doubles.
 *
 * <p>Cost: exp is the hot spot, one per (b, t, e, n) in the forward and one in the backward (the
 * decays exp(Δ_t A) are kept for the group and reused by the reverse sweep). Both directions
 * compute a decay as 2^(Δ_t · A·log2 e) with A·log2 e rounded once per call
 * ({@link #log2eTimes}, {@link FastMath#exp2DecayOfProducts}), the same operations forward and
 * backward, so the backward recomputes exactly the forward's states.
 *
 * <p>The projected forms ({@link #selectiveScanForwardProjected}, {@link #selectiveScanBackwardProjected})
 * take dtr and W_dt instead of Δraw: {@link DeltaProjection} forms a sample's Δraw in the kernels' own
 * buffers (the forward's block layout, the backward's rows: the same bits) and contracts the sample's
 * dΔraw there into dDtr and a per-sample dW_dt partial, so no [B,L,E] Δraw or dΔraw tensor exists; the
 * forward may also skip y and merge its gated output into out (the bimamba (out^f + out^b)/2).
 */
public final class CpuScanOps implements ScanOps {
    private static final int W = ScanStreams.W;
    private static final int CHANNELS_PER_SUM_TASK = 64;

    @Override
    public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
        String op = "selectiveScanForward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.tokens(op, "y", y);
        s.tokens(op, "out", out);
        forward(s, u, deltaRaw, null, deltaBias, aLog, bm, cm, d, z, reverse, y, out, false, 1f);
    }

    /**
     * Δraw = dtr·W_dtᵀ formed per sample into the kernel's block buffer ({@link DeltaProjection}); y may
     * be null; with addToOut the gated output is merged into out as the sample's rows are written.
     */
    @Override
    public void selectiveScanForwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                              Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                              Tensor y, Tensor out, boolean addToOut, float outScale) {
        ScanShape s = ScanShape.ofProjectedForward("selectiveScanForwardProjected", u, dtr, dtWeight, deltaBias, aLog, bm, cm,
                d, z, y, out);
        forward(s, u, null, DeltaProjection.of(dtr, dtWeight, s.channels()), deltaBias, aLog, bm, cm, d, z, reverse, y, out,
                addToOut, outScale);
    }

    @Override
    public boolean projectsDelta() {
        return true;
    }

    /**
     * The forward with Δraw from deltaRaw or, when that is null, from proj; y null: not written; out =
     * the gated output, or (out + it)·outScale with addToOut.
     */
    private static void forward(ScanShape s, Tensor u, Tensor deltaRaw, DeltaProjection proj, Tensor deltaBias, Tensor aLog,
                                Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out,
                                boolean addToOut, float outScale) {
        int len = s.len(), ch = s.channels(), ns = s.states();
        float[] aBlocks = blockLayout(log2eTimes(negExp(aLog)), ch, ns); // A·log2 e, A = −exp(aLog), in blocks [E'/W][N][W]
        Parallel.forEach(s.batch(), bi -> {
            ScanForward k = ScanForward.forThread(len, ns, ch);
            ScanForward.gatherSample(u, bi, len, ch, k.sample[ScanForward.U]);
            if (proj == null) ScanForward.gatherSample(deltaRaw, bi, len, ch, k.sample[ScanForward.DELTA_RAW]);
            else proj.sampleBlocks(bi, len, k.sample[ScanForward.DELTA_RAW]);
            ScanForward.gatherSample(z, bi, len, ch, k.sample[ScanForward.Z]);
            for (int b = 0, e0 = 0; e0 < ch; b++, e0 += W) {
                k.setBlock(b, len);
                loadParameters(k.bias, k.dSkip, deltaBias, d, e0, Math.min(W, ch - e0));
                System.arraycopy(aBlocks, b * ns * W, k.a, 0, ns * W);
                k.computeDeltas(len);
                k.runForward(bm, cm, bi, reverse, len, ns);
                k.gateOutputs(len);
            }
            if (y != null) ScanForward.scatterSample(k.sample[ScanForward.Y], false, 1f, y, bi, len, ch);
            ScanForward.scatterSample(k.sample[ScanForward.OUT], addToOut, outScale, out, bi, len, ch);
        });
    }

    /** bias[0..W) and dSkip[0..W) = Δ bias and D of channels e0.., zero past the valid ones. */
    private static void loadParameters(float[] bias, float[] dSkip, Tensor deltaBias, Tensor d, int e0, int valid) {
        for (int j = 0; j < W; j++) {
            boolean in = j < valid;
            bias[j] = in ? deltaBias.data[deltaBias.offset + e0 + j] : 0f;
            dSkip[j] = in ? d.data[d.offset + e0 + j] : 0f;
        }
    }

    @Override
    public void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                      Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                      Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog,
                                      Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.requireBackward(op, dOut, dReadout, du, dDeltaRaw, dDeltaBias, dALog, dBm, dCm, dD, dz);
        backward(s, u, deltaRaw, null, deltaBias, aLog, bm, cm, d, z, reverse, dOut, dReadout, du, dDeltaRaw, null, null,
                dDeltaBias, dALog, dBm, dCm, dD, dz);
    }

    /**
     * Δraw recomputed per sample from dtr ({@link DeltaProjection}, the forward's bits), dΔraw kept in a
     * per-thread [L,E'] buffer and contracted there into dDtr and a per-sample dW_dt partial.
     */
    @Override
    public void selectiveScanBackwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                               Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                               Tensor dOut, Tensor dReadout, Tensor du, Tensor dDtr, Tensor dDtWeight,
                                               Tensor dDeltaBias, Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackwardProjected";
        ScanShape s = ScanShape.ofProjected(op, u, dtr, dtWeight, deltaBias, aLog, bm, cm, d, z);
        s.requireProjectedBackward(op, dtr, dtWeight, dOut, dReadout, du, dDtr, dDtWeight, dDeltaBias, dALog, dBm, dCm, dD, dz);
        backward(s, u, null, DeltaProjection.of(dtr, dtWeight, s.channels()), deltaBias, aLog, bm, cm, d, z, reverse, dOut,
                dReadout, du, null, dDtr, dDtWeight, dDeltaBias, dALog, dBm, dCm, dD, dz);
    }

    /** The backward with Δraw from deltaRaw (gradient into dDeltaRaw) or, when that is null, from proj (into dDtr, dDtWeight). */
    private static void backward(ScanShape s, Tensor u, Tensor deltaRaw, DeltaProjection proj, Tensor deltaBias, Tensor aLog,
                                 Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                 Tensor du, Tensor dDeltaRaw, Tensor dDtr, Tensor dDtWeight, Tensor dDeltaBias, Tensor dALog,
                                 Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        int batch = s.batch(), len = s.len(), ch = s.channels(), ns = s.states(), cp = ScanStreams.paddedChannels(ch);
        float[] a = negExp(aLog);                          // [E,N] A = −exp(aLog)
        float[] aBlocks = blockLayout(a, ch, ns);          // the same in blocks [E'/W][N][W]
        float[] a2Blocks = blockLayout(log2eTimes(a), ch, ns); // A·log2 e for the decays 2^(Δ A log2 e), the forward's
        float[] bias = padded(deltaBias, cp), dSkip = padded(d, cp);
        int rank = proj == null ? 0 : dDtWeight.dim(1), aRow = cp * ns;
        SampleBuffers partials = SampleBuffers.forThread(); // per sample, rows written in full by the tasks:
        double[] dAPartial = partials.doubles(SampleBuffers.SCAN_DA, batch * aRow);       // [B][E'/W][N][W] Σ_t g Δ a (∂L/∂A, times A later)
        double[] dDPartial = partials.doubles(SampleBuffers.SCAN_DD, batch * ch);         // [B][E]
        double[] dBiasPartial = partials.doubles(SampleBuffers.SCAN_DBIAS, batch * ch);   // [B][E]
        float[] dWdtPartial = proj == null ? null : partials.floats(SampleBuffers.SCAN_DWDT, batch * rank * cp); // [B][R,E']
        int group = ScanBackward.groupSize(len, ns, cp / W);
        boolean inPlace = ScanStreams.inPlace(ch);
        Tensor[] streams = {u, deltaRaw, z, dOut, dReadout, du, dDeltaRaw, dz};
        Parallel.forEach(batch, bi -> {
            ScanStreams io = ScanStreams.forThread();
            if (inPlace) io.bindTensors(streams, bi, len, ch);
            else io.bindPadded(streams, bi, len, ch);
            float[] gradDelta = null;
            if (proj != null) {                              // Δraw and dΔraw of this sample in per-thread rows [L,E']
                float[] rows = DeltaProjection.scratch(0, len * cp);
                proj.sampleRows(bi, len, rows);
                io.bind(ScanStreams.DELTA_RAW, rows, 0);
                gradDelta = DeltaProjection.scratch(1, len * cp);   // written in full by the kernel (no zero-fill)
                io.bindWrittenDeltaGradient(gradDelta, 0);
            }
            ScanBackward k = ScanBackward.forThread(len, cp, ns, group);
            k.backward(io, bias, dSkip, aBlocks, a2Blocks, bm, cm, bi, reverse, dReadout != null, len, cp, ns, group);
            if (!inPlace) {
                io.copyBack(ScanStreams.DU, du, bi, len, ch);
                if (proj == null) io.copyBack(ScanStreams.D_DELTA_RAW, dDeltaRaw, bi, len, ch);
                io.copyBack(ScanStreams.DZ, dz, bi, len, ch);
            }
            if (proj != null) {
                proj.addDtrGradient(gradDelta, bi, len, dDtr);
                proj.weightGradientPartial(gradDelta, bi, len, dWdtPartial, bi * rank * cp);
            }
            System.arraycopy(k.dA, 0, dAPartial, bi * aRow, aRow);   // block layout [E'/W][N][W]
            System.arraycopy(k.dD, 0, dDPartial, bi * ch, ch);
            System.arraycopy(k.dBias, 0, dBiasPartial, bi * ch, ch);
            addLaneSums(k.dB, dBm, bi, len, ns);
            addLaneSums(k.dC, dCm, bi, len, ns);
        });
        // the per-sample partials, added in sample order (each element on its own: any split gives the same bits);
        // sample-major over a task's range of channel blocks, so the reads run along each partial
        int blocks = cp / W, perTask = Math.max(1, CHANNELS_PER_SUM_TASK / W);
        Parallel.forEach(Parallel.chunks(blocks, perTask), c -> {
            int b0 = c * perTask, b1 = Math.min(blocks, b0 + perTask), e0 = b0 * W, e1 = b1 * W, nw = ns * W;
            int lo = b0 * nw, hi = b1 * nw;
            double[] accA = new double[hi - lo], accD = new double[e1 - e0], accBias = new double[e1 - e0];
            double[] accW = new double[rank * (e1 - e0)];
            for (int bi = 0; bi < batch; bi++) {
                for (int i = lo, pa = bi * aRow; i < hi; i++) accA[i - lo] += dAPartial[pa + i];
                for (int e = e0, end = Math.min(ch, e1), pd = bi * ch; e < end; e++) {
                    accD[e - e0] += dDPartial[pd + e];
                    accBias[e - e0] += dBiasPartial[pd + e];
                }
                for (int r = 0; r < rank; r++) {
                    for (int e = e0, at = r * (e1 - e0), pw = bi * rank * cp + r * cp; e < e1; e++, at++) accW[at] += dWdtPartial[pw + e];
                }
            }
            for (int i = lo; i < hi; i++) {
                int e = (i / nw) * W + i % W, n = (i / W) % ns;
                if (e >= ch) continue;
                int k = e * ns + n;
                dALog.data[dALog.offset + k] = (float) (dALog.data[dALog.offset + k] + accA[i - lo] * a[k]); // dA_log = dA ⊙ A
            }
            for (int e = e0, end = Math.min(ch, e1); e < end; e++) {
                dD.data[dD.offset + e] = (float) (dD.data[dD.offset + e] + accD[e - e0]);
                dDeltaBias.data[dDeltaBias.offset + e] = (float) (dDeltaBias.data[dDeltaBias.offset + e] + accBias[e - e0]);
                for (int r = 0; r < rank; r++) {
                    int k = dDtWeight.offset + e * rank + r;
                    dDtWeight.data[k] = (float) (dDtWeight.data[k] + accW[r * (e1 - e0) + e - e0]);
                }
            }
        });
    }

    /** t [E] copied into a new [E'] array, zero past the last channel. */
    private static float[] padded(Tensor t, int cp) {
        float[] out = new float[cp];
        System.arraycopy(t.data, t.offset, out, 0, t.size);
        return out;
    }

    /** A [E,N] rearranged into blocks [E/W][N][W] (state-major inside a block, zero past the last channel). */
    private static float[] blockLayout(float[] a, int ch, int ns) {
        float[] out = new float[(ch + W - 1) / W * ns * W];
        for (int e = 0; e < ch; e++) {
            for (int n = 0; n < ns; n++) out[((e / W) * ns + n) * W + e % W] = a[e * ns + n];
        }
        return out;
    }

    /** t[bi] [L,N] += the lane sums of partial [L,N,W], added in double. */
    private static void addLaneSums(float[] partial, Tensor t, int bi, int len, int ns) {
        int base = t.offset + bi * len * ns;
        for (int k = 0; k < len * ns; k++) {
            double sum = 0;
            for (int j = 0; j < W; j++) sum += partial[k * W + j];
            t.data[base + k] = (float) (t.data[base + k] + sum);
        }
    }

    /** a·log2(e) rounded once to float: the decays exp(Δ·A) are computed as 2^(Δ·A·log2 e) ({@link FastMath#exp2Decay}). */
    static float[] log2eTimes(float[] a) {
        float[] out = new float[a.length];
        for (int k = 0; k < a.length; k++) out[k] = (float) (a[k] * 1.4426950408889634);
        return out;
    }

    /** A = −exp(aLog) [E,N], once per call. */
    private static float[] negExp(Tensor aLog) {
        float[] a = new float[aLog.size];
        for (int k = 0; k < a.length; k++) a[k] = (float) -Math.exp(aLog.data[aLog.offset + k]);
        return a;
    }
}
