package org.semivim.engine.ops;

import org.semivim.engine.reference.ScanRef;
import org.semivim.engine.tensor.Tensor;

/**
 * The plain selective scan: copies every input to double, runs {@link ScanRef} and rounds the
 * results to float once, so this backend IS the double reference. One thread.
 */
public final class ReferenceScanOps implements ScanOps {

    @Override
    public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
        String op = "selectiveScanForward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.tokens(op, "y", y);
        s.tokens(op, "out", out);
        double[] yd = new double[y.size];     // [B,L,E]
        double[] outd = new double[out.size]; // [B,L,E]
        ScanRef.selectiveScanForward(toDouble(u), toDouble(deltaRaw), toDouble(deltaBias), toDouble(aLog),
                toDouble(bm), toDouble(cm), toDouble(d), toDouble(z), reverse, yd, outd,
                s.batch(), s.len(), s.channels(), s.states());
        store(yd, y);
        store(outd, out);
    }

    @Override
    public void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                      Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                      Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog,
                                      Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackward";
        ScanShape s = ScanShape.of(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        s.requireBackward(op, dOut, dReadout, du, dDeltaRaw, dDeltaBias, dALog, dBm, dCm, dD, dz);
        // fresh zeroed double gradients, added to the float tensors once at the end (one rounding each)
        double[] gu = new double[du.size], gDeltaRaw = new double[dDeltaRaw.size], gz = new double[dz.size]; // [B,L,E]
        double[] gBm = new double[dBm.size], gCm = new double[dCm.size];                                       // [B,L,N]
        double[] gDeltaBias = new double[dDeltaBias.size], gD = new double[dD.size];                          // [E]
        double[] gALog = new double[dALog.size];                                                              // [E,N]
        ScanRef.selectiveScanBackward(toDouble(u), toDouble(deltaRaw), toDouble(deltaBias), toDouble(aLog),
                toDouble(bm), toDouble(cm), toDouble(d), toDouble(z), reverse, toDouble(dOut),
                dReadout == null ? null : toDouble(dReadout),
                gu, gDeltaRaw, gDeltaBias, gALog, gBm, gCm, gD, gz, s.batch(), s.len(), s.channels(), s.states());
        accumulate(gu, du);
        accumulate(gDeltaRaw, dDeltaRaw);
        accumulate(gDeltaBias, dDeltaBias);
        accumulate(gALog, dALog);
        accumulate(gBm, dBm);
        accumulate(gCm, dCm);
        accumulate(gD, dD);
        accumulate(gz, dz);
    }

    static double[] toDouble(Tensor t) {
        double[] r = new double[t.size];
        for (int i = 0; i < r.length; i++) r[i] = t.data[t.offset + i];
        return r;
    }

    static void store(double[] src, Tensor dst) {
        for (int i = 0; i < src.length; i++) dst.data[dst.offset + i] = (float) src[i];
    }

    static void accumulate(double[] src, Tensor dst) {
        for (int i = 0; i < src.length; i++) dst.data[dst.offset + i] = (float) (dst.data[dst.offset + i] + src[i]);
    }
}
