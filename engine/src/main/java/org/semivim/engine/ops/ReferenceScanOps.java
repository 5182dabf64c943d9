package org.semivim.engine.ops;

import org.semivim.engine.reference.DeltaProjectionRef;
import org.semivim.engine.reference.ScanRef;
import org.semivim.engine.tensor.Tensor;

/**
 * The plain selective scan: copies every input to double, runs {@link ScanRef} and rounds the
 * results to float once, so this backend IS the double reference. One thread. The projected forms
 * ({@link #selectiveScanForwardProjected}) form Δraw = dtr·W_dtᵀ in double too ({@link DeltaProjectionRef});
 * {@link #projectsDelta} stays false, so models on this backend keep the separate dt_proj.
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

    @Override
    public void selectiveScanForwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                              Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                              Tensor y, Tensor out, boolean addToOut, float outScale) {
        ScanShape s = ScanShape.ofProjectedForward("selectiveScanForwardProjected", u, dtr, dtWeight, deltaBias, aLog, bm, cm,
                d, z, y, out);
        int rank = dtWeight.dim(1);
        double[] deltaRaw = DeltaProjectionRef.project(toDouble(dtr), toDouble(dtWeight), s.batch() * s.len(), s.channels(), rank);
        double[] yd = new double[u.size], outd = new double[u.size];   // [B,L,E]
        ScanRef.selectiveScanForward(toDouble(u), deltaRaw, toDouble(deltaBias), toDouble(aLog),
                toDouble(bm), toDouble(cm), toDouble(d), toDouble(z), reverse, yd, outd,
                s.batch(), s.len(), s.channels(), s.states());
        if (y != null) store(yd, y);
        ScanShape.mergeOut(outd, out, addToOut, outScale);
    }

    @Override
    public void selectiveScanBackwardProjected(GemmOps gemm, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias,
                                               Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z, boolean reverse,
                                               Tensor dOut, Tensor dReadout, Tensor du, Tensor dDtr, Tensor dDtWeight,
                                               Tensor dDeltaBias, Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackwardProjected";
        ScanShape s = ScanShape.ofProjected(op, u, dtr, dtWeight, deltaBias, aLog, bm, cm, d, z);
        s.requireProjectedBackward(op, dtr, dtWeight, dOut, dReadout, du, dDtr, dDtWeight, dDeltaBias, dALog, dBm, dCm, dD, dz);
        int rows = s.batch() * s.len(), rank = dtWeight.dim(1);
        double[] dtrd = toDouble(dtr), wd = toDouble(dtWeight);
        double[] deltaRaw = DeltaProjectionRef.project(dtrd, wd, rows, s.channels(), rank);
        double[] gu = new double[du.size], gDeltaRaw = new double[u.size], gz = new double[dz.size]; // [B,L,E]
        double[] gBm = new double[dBm.size], gCm = new double[dCm.size];                               // [B,L,N]
        double[] gDeltaBias = new double[dDeltaBias.size], gD = new double[dD.size];                  // [E]
        double[] gALog = new double[dALog.size];                                                      // [E,N]
        double[] gDtr = new double[dDtr.size], gW = new double[dDtWeight.size];                       // [B,L,R], [E,R]
        ScanRef.selectiveScanBackward(toDouble(u), deltaRaw, toDouble(deltaBias), toDouble(aLog),
                toDouble(bm), toDouble(cm), toDouble(d), toDouble(z), reverse, toDouble(dOut),
                dReadout == null ? null : toDouble(dReadout),
                gu, gDeltaRaw, gDeltaBias, gALog, gBm, gCm, gD, gz, s.batch(), s.len(), s.channels(), s.states());
        DeltaProjectionRef.backward(gDeltaRaw, dtrd, wd, rows, s.channels(), rank, gDtr, gW);
        accumulate(gu, du);
        accumulate(gDtr, dDtr);
        accumulate(gW, dDtWeight);
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
