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

    @Override
    public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
        String op = "selectiveScanForward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.tokens(op, "y", y);
        s.tokens(op, "out", out);
        int len = s.len(), ch = s.channels(), ns = s.states();
        float[] a = negExp(aLog); // [E,N] A = −exp(aLog)
        Parallel.forEach(s.batch(), bi -> {
            ScanBlock k = ScanBlock.forThread(len, ns);
            for (int e0 = 0; e0 < ch; e0 += W) {
                int valid = Math.min(W, ch - e0);
                loadBlock(k, u, deltaRaw, z, null, null, deltaBias, d, a, bi, e0, valid, s);
                k.computeDeltas(len);
                k.computeDecays(reverse, len, ns);
                k.runStates(bm, cm, bi, reverse, len, ns);
                k.gateOutputs(len);
                ScanBlock.scatter(k.res0, false, y, bi, e0, valid, len, ch);
                ScanBlock.scatter(k.res1, false, out, bi, e0, valid, len, ch);
            }
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
        double[][] dAPartial = new double[batch][ch * ns];  // per sample [E,N]: Σ_t g Δ a (∂L/∂A, times A later)
        double[][] dDPartial = new double[batch][ch];       // per sample [E]
        double[][] dBiasPartial = new double[batch][ch];    // per sample [E]
        Parallel.forEach(batch, bi -> {
            ScanBlock k = ScanBlock.forThread(len, ns);
            k.startSample(len, ns);
            for (int e0 = 0; e0 < ch; e0 += W) {
                int valid = Math.min(W, ch - e0);
                loadBlock(k, u, deltaRaw, z, dOut, dReadout, deltaBias, d, a, bi, e0, valid, s);
                k.computeDeltas(len);
                k.computeDecays(reverse, len, ns);
                k.runStates(bm, cm, bi, reverse, len, ns);
                k.gateGradients(dReadout != null, len);
                k.softplusSlopes(len);
                k.reverseSweep(bm, cm, bi, reverse, len, ns);
                ScanBlock.scatter(k.res0, true, du, bi, e0, valid, len, ch);
                ScanBlock.scatter(k.res1, true, dDeltaRaw, bi, e0, valid, len, ch);
                ScanBlock.scatter(k.res2, true, dz, bi, e0, valid, len, ch);
                for (int j = 0; j < valid; j++) {
                    for (int n = 0; n < ns; n++) dAPartial[bi][(e0 + j) * ns + n] = k.dA[n * W + j];
                    dDPartial[bi][e0 + j] = k.dD[j];
                    dBiasPartial[bi][e0 + j] = k.dBias[j];
                }
            }
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

    /** Gathers channels [e0, e0 + valid) of sample bi and their parameters into the kernel (dOut null: forward). */
    private static void loadBlock(ScanBlock k, Tensor u, Tensor deltaRaw, Tensor z, Tensor dOut, Tensor dReadout,
                                  Tensor deltaBias, Tensor d, float[] a, int bi, int e0, int valid, ScanShape s) {
        int len = s.len(), ch = s.channels(), ns = s.states();
        ScanBlock.gather(u, bi, e0, valid, len, ch, k.u);
        ScanBlock.gather(deltaRaw, bi, e0, valid, len, ch, k.deltaRaw);
        ScanBlock.gather(z, bi, e0, valid, len, ch, k.z);
        if (dOut != null) ScanBlock.gather(dOut, bi, e0, valid, len, ch, k.dOut);
        if (dReadout != null) ScanBlock.gather(dReadout, bi, e0, valid, len, ch, k.dReadout);
        for (int j = 0; j < W; j++) {
            boolean in = j < valid;
            k.bias[j] = in ? deltaBias.data[deltaBias.offset + e0 + j] : 0f;
            k.dSkip[j] = in ? d.data[d.offset + e0 + j] : 0f;
            for (int n = 0; n < ns; n++) k.a[n * W + j] = in ? a[(e0 + j) * ns + n] : 0f;
        }
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
