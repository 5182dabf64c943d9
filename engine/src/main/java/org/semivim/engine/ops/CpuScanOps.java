package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The fast selective scan in float (math: {@link ScanOps}, {@code reference/ScanRef}).
 *
 * <p>Parallelism: one task per batch sample, a partition fixed by the problem size. A task owns
 * the [L,E] and [L,N] rows of its sample, so it writes y, out, du, dDeltaRaw, dz, dBm, dCm
 * directly (dBm/dCm, sums over e, are first summed in the task's own double buffer). dALog, dD and
 * dDeltaBias sum over samples: each task writes a per-sample double partial, and the partials are
 * added in sample order afterwards. Results are therefore bit-identical for any thread count.
 *
 * <p>Memory: the B·L·E·N states h_t are NEVER stored (for ViM-Ti at B=128, L=197 that would be
 * 620 MB per direction and layer, vim-spec.md §10.1). Each (sample, channel) pair is scanned on its
 * own with an [L+1, N] state buffer; the backward recomputes those states (and exp(Δ_t A)) per
 * (sample, channel) right before its reverse sweep. Per task the scratch is O(L·N); the per-sample
 * parameter partials are O(B·E·N) doubles.
 *
 * <p>Cost: exp is the hot spot, one Math.exp per (b, t, e, n) in the forward and one in the
 * backward (the decays exp(Δ_t A) are kept in the [L, N] buffer and reused by the reverse sweep).
 */
public final class CpuScanOps implements ScanOps {

    /** The per-task scratch of one (sample, channel) scan, allocated once per task. */
    private static final class Scratch {
        final float[] states; // [L+1, N]: row 0 is the zero state before the first step, row s+1 is h after step s
        final float[] decay;  // [L, N]: exp(Δ A) of step s
        final float[] delta;  // [L]: Δ of step s
        final float[] carry;  // [N]: exp(Δ A) ⊙ g of the step processed just before (reverse sweep)

        Scratch(int len, int states) {
            this.states = new float[(len + 1) * states];
            this.decay = new float[len * states];
            this.delta = new float[len];
            this.carry = new float[states];
        }
    }

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
            Scratch w = new Scratch(len, ns);
            for (int e = 0; e < ch; e++) {
                scanStates(u, deltaRaw, deltaBias, a, bm, bi, e, reverse, s, w);
                float de = d.data[d.offset + e];
                for (int step = 0; step < len; step++) {
                    int t = reverse ? len - 1 - step : step;
                    int i = (bi * len + t) * ch + e;
                    int row = cm.offset + (bi * len + t) * ns, h = (step + 1) * ns;
                    float readout = 0f;
                    for (int n = 0; n < ns; n++) readout += cm.data[row + n] * w.states[h + n];
                    float yv = readout + de * u.data[u.offset + i];
                    float zv = z.data[z.offset + i];
                    y.data[y.offset + i] = yv;
                    out.data[out.offset + i] = yv * zv * sigmoid(zv);
                }
            }
        });
    }

    /** Runs the recurrence of channel e of sample bi, filling w.states, w.decay and w.delta in processing order. */
    private static void scanStates(Tensor u, Tensor deltaRaw, Tensor deltaBias, float[] a, Tensor bm, int bi, int e,
                                   boolean reverse, ScanShape s, Scratch w) {
        int len = s.len(), ch = s.channels(), ns = s.states();
        float bias = deltaBias.data[deltaBias.offset + e];
        int aRow = e * ns;
        java.util.Arrays.fill(w.states, 0, ns, 0f);
        for (int step = 0; step < len; step++) {
            int t = reverse ? len - 1 - step : step;
            int i = (bi * len + t) * ch + e;
            int row = bm.offset + (bi * len + t) * ns;
            float dt = softplus(deltaRaw.data[deltaRaw.offset + i] + bias);
            float dtu = dt * u.data[u.offset + i];
            w.delta[step] = dt;
            int prev = step * ns, cur = prev + ns, dec = step * ns;
            for (int n = 0; n < ns; n++) {
                float decay = (float) Math.exp(dt * a[aRow + n]);
                w.decay[dec + n] = decay;
                w.states[cur + n] = decay * w.states[prev + n] + dtu * bm.data[row + n];
            }
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
        int batch = s.batch(), len = s.len(), ch = s.channels(), ns = s.states();
        float[] a = negExp(aLog);                          // [E,N] A = −exp(aLog)
        double[][] dAPartial = new double[batch][ch * ns];  // per sample [E,N]: Σ_t g Δ a (∂L/∂A, times A later)
        double[][] dDPartial = new double[batch][ch];       // per sample [E]
        double[][] dBiasPartial = new double[batch][ch];    // per sample [E]
        Parallel.forEach(batch, bi -> {
            Scratch w = new Scratch(len, ns);
            double[] dBSample = new double[len * ns];       // [L,N] Σ_e of this sample's dBm rows
            double[] dCSample = new double[len * ns];       // [L,N] Σ_e of this sample's dCm rows
            for (int e = 0; e < ch; e++) {
                scanStates(u, deltaRaw, deltaBias, a, bm, bi, e, reverse, s, w);
                reverseSweep(u, deltaRaw, deltaBias, a, bm, cm, d, z, reverse, dOut, dReadout, du, dDeltaRaw, dz,
                        bi, e, s, w, dBSample, dCSample, dAPartial[bi], dDPartial[bi], dBiasPartial[bi]);
            }
            int rows = bi * len * ns;
            for (int k = 0; k < len * ns; k++) {
                int ib = dBm.offset + rows + k, ic = dCm.offset + rows + k;
                dBm.data[ib] = (float) (dBm.data[ib] + dBSample[k]);
                dCm.data[ic] = (float) (dCm.data[ic] + dCSample[k]);
            }
        });
        for (int k = 0; k < ch * ns; k++) {
            double acc = 0;
            for (int bi = 0; bi < batch; bi++) acc += dAPartial[bi][k];
            dALog.data[dALog.offset + k] = (float) (dALog.data[dALog.offset + k] + acc * a[k]); // dA_log = dA ⊙ A
        }
        for (int e = 0; e < ch; e++) {
            double accD = 0, accBias = 0;
            for (int bi = 0; bi < batch; bi++) {
                accD += dDPartial[bi][e];
                accBias += dBiasPartial[bi][e];
            }
            dD.data[dD.offset + e] = (float) (dD.data[dD.offset + e] + accD);
            dDeltaBias.data[dDeltaBias.offset + e] = (float) (dDeltaBias.data[dDeltaBias.offset + e] + accBias);
        }
    }

    /**
     * The reverse-mode recurrence of vim-spec.md §10.1 for channel e of sample bi, in the direction's
     * own processing order (steps len−1..0), over the states that {@link #scanStates} just recomputed.
     */
    private static void reverseSweep(Tensor u, Tensor deltaRaw, Tensor deltaBias, float[] a, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                     Tensor du, Tensor dDeltaRaw, Tensor dz, int bi, int e, ScanShape s, Scratch w,
                                     double[] dBSample, double[] dCSample, double[] dA, double[] dD, double[] dBias) {
        int len = s.len(), ch = s.channels(), ns = s.states();
        float bias = deltaBias.data[deltaBias.offset + e], de = d.data[d.offset + e];
        int aRow = e * ns;
        float[] carry = w.carry;
        java.util.Arrays.fill(carry, 0f);
        double dDe = 0, dBiasE = 0;
        for (int step = len - 1; step >= 0; step--) {
            int t = reverse ? len - 1 - step : step;
            int i = (bi * len + t) * ch + e;
            int row = (bi * len + t) * ns, local = t * ns;
            int cur = (step + 1) * ns, prev = step * ns, dec = step * ns;
            float dt = w.delta[step], uv = u.data[u.offset + i], zv = z.data[z.offset + i], go = dOut.data[dOut.offset + i];

            float readout = 0f;
            for (int n = 0; n < ns; n++) readout += cm.data[cm.offset + row + n] * w.states[cur + n];
            float yv = readout + de * uv;
            float sig = sigmoid(zv);
            dz.data[dz.offset + i] += go * yv * sig * (1f + zv * (1f - sig));
            float gy = go * zv * sig;                               // ∂L/∂y_t
            dDe += (double) gy * uv;
            float gr = dReadout == null ? gy : gy + dReadout.data[dReadout.offset + i]; // ∂L/∂r_t

            float dtu = dt * uv, gB = 0f, gAa = 0f;                 // Σ_n g B,  Σ_n g A a
            for (int n = 0; n < ns; n++) {
                float g = gr * cm.data[cm.offset + row + n] + carry[n];   // ∂L/∂h_t
                float decay = w.decay[dec + n];
                float aTerm = decay * w.states[prev + n];                 // a_t = exp(Δ_t A) h_prev
                float gaa = g * aTerm;
                dCSample[local + n] += (double) gr * w.states[cur + n];
                dBSample[local + n] += (double) g * dtu;
                gB += g * bm.data[bm.offset + row + n];
                gAa += gaa * a[aRow + n];
                dA[aRow + n] += (double) gaa * dt;
                carry[n] = decay * g;
            }
            du.data[du.offset + i] += de * gy + dt * gB;
            float dArg = (uv * gB + gAa) * softplusGrad(deltaRaw.data[deltaRaw.offset + i] + bias);
            dDeltaRaw.data[dDeltaRaw.offset + i] += dArg;
            dBiasE += dArg;
        }
        dD[e] += dDe;
        dBias[e] += dBiasE;
    }

    /** A = −exp(aLog) [E,N], once per call. */
    private static float[] negExp(Tensor aLog) {
        float[] a = new float[aLog.size];
        for (int k = 0; k < a.length; k++) a[k] = (float) -Math.exp(aLog.data[aLog.offset + k]);
        return a;
    }

    /** softplus with the torch threshold 20 (vim-spec.md §5). */
    static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }

    /** σ(x) up to 20, 1 above. */
    static float softplusGrad(float x) {
        return x > 20f ? 1f : sigmoid(x);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
