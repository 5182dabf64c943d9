package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The fast selective scan in float (math: {@link ScanOps}, {@code reference/ScanRef}), vectorised
 * across channels by {@link ScanBlock}: W = {@link ScanBlock#W} channels of one sample are scanned
 * together, one vector lane each, with {@link FastMath}'s exp/softplus/sigmoid.
 *
 * <p>Parallelism: one task per batch sample, a partition fixed by the problem size. A task owns
 * the [L,E] and [L,N] rows of its sample, so it writes y, out, du, dDeltaRaw, dz, dBm, dCm
 * directly (dBm/dCm, sums over e, are first summed in the task's own buffers, see ScanBlock).
 * dALog, dD and dDeltaBias sum over samples: each task writes a per-sample double partial, and the
 * partials are added in sample order afterwards. Results are therefore bit-identical for any thread
 * count. (They may differ in the last bits between machines with different vector widths, since W
 * sets how the dBm/dCm sums over channels are grouped.)
 *
 * <p>Memory: the B·L·E·N states h_t are NEVER stored (for ViM-Ti at B=128, L=197 that would be
 * 620 MB per direction and layer, vim-spec.md §10.1). The backward recomputes the states of one
 * channel block ([L+1, N, W] floats) right before its reverse sweep; per thread the scratch is
 * O(L·N·W), reused across calls; the per-sample parameter partials are O(B·E·N) doubles.
 *
 * <p>Cost: exp is the hot spot, one per (b, t, e, n) in the forward and one in the backward (the
 * decays exp(Δ_t A) are kept for the block and reused by the reverse sweep).
 */
public final class CpuScanOps implements ScanOps {
    private static final int W = ScanBlock.W;
    private static final int CHANNELS_PER_SUM_TASK = 64;
    // indices of ScanBlock.sample: inputs, then results (Y, OUT in the forward; DU, D_DELTA_RAW, DZ in the backward)
    private static final int U = 0, DELTA_RAW = 1, Z = 2, D_OUT = 3, D_READOUT = 4;
    private static final int Y = 5, OUT = 6, DU = 5, D_DELTA_RAW = 6, DZ = 7;

    @Override
    public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
        String op = "selectiveScanForward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.tokens(op, "y", y);
        s.tokens(op, "out", out);
        int len = s.len(), ch = s.channels(), ns = s.states();
        float[] aBlocks = blockLayout(negExp(aLog), ch, ns); // A = −exp(aLog) in blocks [E/W][N][W]
        Parallel.forEach(s.batch(), bi -> {
            ScanBlock k = ScanBlock.forThread(len, ns, ch);
            loadSample(k, u, deltaRaw, z, null, null, bi, s);
            for (int b = 0, e0 = 0; e0 < ch; b++, e0 += W) {
                loadBlock(k, b, deltaBias, d, aBlocks, e0, Math.min(W, ch - e0), s);
                k.computeDeltas(len);
                k.runForward(bm, cm, bi, reverse, len, ns);
                k.gateOutputs(len);
            }
            ScanBlock.scatterSample(k.sample[Y], false, y, bi, len, ch);
            ScanBlock.scatterSample(k.sample[OUT], false, out, bi, len, ch);
        });
    }

    @Override
    public void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                      Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                      Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog,
                                      Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.requireBackward(op, dOut, dReadout, du, dDeltaRaw, dDeltaBias, dALog, dBm, dCm, dD, dz);
        int batch = s.batch(), len = s.len(), ch = s.channels(), ns = s.states();
        float[] a = negExp(aLog);                          // [E,N] A = −exp(aLog)
        float[] aBlocks = blockLayout(a, ch, ns);          // the same in blocks [E/W][N][W]
        double[][] dAPartial = new double[batch][];         // per sample [E,N]: Σ_t g Δ a (∂L/∂A, times A later)
        double[][] dDPartial = new double[batch][];         // per sample [E]
        double[][] dBiasPartial = new double[batch][];      // per sample [E]
        Parallel.forEach(batch, bi -> {
            dAPartial[bi] = new double[ch * ns];            // allocated (zeroed) by the task: in parallel
            dDPartial[bi] = new double[ch];
            dBiasPartial[bi] = new double[ch];
            ScanBlock k = ScanBlock.forThread(len, ns, ch);
            k.startSample(len, ns);
            loadSample(k, u, deltaRaw, z, dOut, dReadout, bi, s);
            for (int b = 0, e0 = 0; e0 < ch; b++, e0 += W) {
                int valid = Math.min(W, ch - e0);
                loadBlock(k, b, deltaBias, d, aBlocks, e0, valid, s);
                k.computeDeltas(len);
                k.computeDecays(reverse, len, ns);
                k.runStates(bm, cm, bi, reverse, len, ns);
                k.gateGradients(dReadout != null, len);
                k.softplusSlopes(len);
                k.reverseSweep(bm, cm, bi, reverse, len, ns);
                for (int j = 0; j < valid; j++) {
                    for (int n = 0; n < ns; n++) dAPartial[bi][(e0 + j) * ns + n] = k.dA[n * W + j];
                    dDPartial[bi][e0 + j] = k.dD[j];
                    dBiasPartial[bi][e0 + j] = k.dBias[j];
                }
            }
            ScanBlock.scatterSample(k.sample[DU], true, du, bi, len, ch);
            ScanBlock.scatterSample(k.sample[D_DELTA_RAW], true, dDeltaRaw, bi, len, ch);
            ScanBlock.scatterSample(k.sample[DZ], true, dz, bi, len, ch);
            addLaneSums(k.dB, dBm, bi, len, ns);
            addLaneSums(k.dC, dCm, bi, len, ns);
        });
        // the per-sample partials, added in sample order (each element on its own: any split of e gives the same bits)
        Parallel.forEach(Parallel.chunks(ch, CHANNELS_PER_SUM_TASK), c -> {
            for (int e = c * CHANNELS_PER_SUM_TASK, end = Math.min(ch, e + CHANNELS_PER_SUM_TASK); e < end; e++) {
                for (int k = e * ns; k < (e + 1) * ns; k++) {
                    double acc = 0;
                    for (int bi = 0; bi < batch; bi++) acc += dAPartial[bi][k];
                    dALog.data[dALog.offset + k] = (float) (dALog.data[dALog.offset + k] + acc * a[k]); // dA_log = dA ⊙ A
                }
                double accD = 0, accBias = 0;
                for (int bi = 0; bi < batch; bi++) {
                    accD += dDPartial[bi][e];
                    accBias += dBiasPartial[bi][e];
                }
                dD.data[dD.offset + e] = (float) (dD.data[dD.offset + e] + accD);
                dDeltaBias.data[dDeltaBias.offset + e] = (float) (dDeltaBias.data[dDeltaBias.offset + e] + accBias);
            }
        });
    }

    /** Gathers sample bi of the token tensors into the kernel's sample buffers (dOut null: forward; dReadout may be null). */
    private static void loadSample(ScanBlock k, Tensor u, Tensor deltaRaw, Tensor z, Tensor dOut, Tensor dReadout, int bi,
                                   ScanShape s) {
        int len = s.len(), ch = s.channels();
        ScanBlock.gatherSample(u, bi, len, ch, k.sample[U]);
        ScanBlock.gatherSample(deltaRaw, bi, len, ch, k.sample[DELTA_RAW]);
        ScanBlock.gatherSample(z, bi, len, ch, k.sample[Z]);
        if (dOut != null) ScanBlock.gatherSample(dOut, bi, len, ch, k.sample[D_OUT]);
        if (dReadout != null) ScanBlock.gatherSample(dReadout, bi, len, ch, k.sample[D_READOUT]);
    }

    /** Selects block b (channels [e0, e0 + valid)) of the sample buffers and loads its parameters into the kernel. */
    private static void loadBlock(ScanBlock k, int b, Tensor deltaBias, Tensor d, float[] aBlocks, int e0, int valid,
                                  ScanShape s) {
        int len = s.len(), ns = s.states();
        k.setBlock(b, len);
        for (int j = 0; j < W; j++) {
            boolean in = j < valid;
            k.bias[j] = in ? deltaBias.data[deltaBias.offset + e0 + j] : 0f;
            k.dSkip[j] = in ? d.data[d.offset + e0 + j] : 0f;
        }
        System.arraycopy(aBlocks, b * ns * W, k.a, 0, ns * W);
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

    /** A = −exp(aLog) [E,N], once per call. */
    private static float[] negExp(Tensor aLog) {
        float[] a = new float[aLog.size];
        for (int k = 0; k < a.length; k++) a[k] = (float) -Math.exp(aLog.data[aLog.offset + k]);
        return a;
    }
}
