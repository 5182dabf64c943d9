package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * Checks the tensors of a {@link ScanOps} call and derives batch B, length L, channels E and states N;
 * shared by both backends so that both reject bad input with the same message.
 */
record ScanShape(int batch, int len, int channels, int states) {

    static ScanShape of(String op, Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                        Tensor d, Tensor z) {
        ConvShape.need(u, op + ": u");
        ConvShape.need(aLog, op + ": aLog");
        if (u.rank() != 3) throw new IllegalArgumentException(op + ": u must be [B,L,E] but got " + u);
        int batch = u.dim(0), len = u.dim(1), channels = u.dim(2);
        if (aLog.rank() != 2 || aLog.dim(0) != channels) {
            throw new IllegalArgumentException(op + ": aLog must be [E,N] with E = " + channels + " but got " + aLog);
        }
        ScanShape s = new ScanShape(batch, len, channels, aLog.dim(1));
        s.tokens(op, "deltaRaw", deltaRaw);
        s.tokens(op, "z", z);
        s.channelVector(op, "deltaBias", deltaBias);
        s.channelVector(op, "d", d);
        s.stateRows(op, "bm", bm);
        s.stateRows(op, "cm", cm);
        return s;
    }

    /** Requires t to be [B,L,E]. */
    void tokens(String op, String name, Tensor t) {
        ConvShape.need(t, op + ": " + name).requireShape(op + ": " + name, batch, len, channels);
    }

    /** Requires t to be [B,L,N]. */
    void stateRows(String op, String name, Tensor t) {
        ConvShape.need(t, op + ": " + name).requireShape(op + ": " + name, batch, len, states);
    }

    /** Requires t to be [E]. */
    void channelVector(String op, String name, Tensor t) {
        ConvShape.need(t, op + ": " + name).requireShape(op + ": " + name, channels);
    }

    /** Requires t to be [E,N]. */
    void channelStates(String op, String name, Tensor t) {
        ConvShape.need(t, op + ": " + name).requireShape(op + ": " + name, channels, states);
    }

    /** Checks the gradient tensors of a backward call (dReadout may be null). */
    void requireBackward(String op, Tensor dOut, Tensor dReadout, Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias,
                         Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        tokens(op, "dOut", dOut);
        if (dReadout != null) tokens(op, "dReadout", dReadout);
        tokens(op, "du", du);
        tokens(op, "dDeltaRaw", dDeltaRaw);
        tokens(op, "dz", dz);
        channelVector(op, "dDeltaBias", dDeltaBias);
        channelVector(op, "dD", dD);
        channelStates(op, "dALog", dALog);
        stateRows(op, "dBm", dBm);
        stateRows(op, "dCm", dCm);
    }

    /**
     * Checks dtr [B,L,R] and dtWeight [E,R] of a projected scan call against u [B,L,E] and returns R.
     */
    static int checkProjection(String op, Tensor u, Tensor dtr, Tensor dtWeight) {
        ConvShape.need(u, op + ": u");
        ConvShape.need(dtWeight, op + ": dtWeight");
        if (u.rank() != 3) throw new IllegalArgumentException(op + ": u must be [B,L,E] but got " + u);
        if (dtWeight.rank() != 2 || dtWeight.dim(0) != u.dim(2)) {
            throw new IllegalArgumentException(op + ": dtWeight must be [E,R] with E = " + u.dim(2) + " but got " + dtWeight);
        }
        int rank = dtWeight.dim(1);
        ConvShape.need(dtr, op + ": dtr").requireShape(op + ": dtr", u.dim(0), u.dim(1), rank);
        return rank;
    }

    /** The default composition's Δraw = dtr·W_dtᵀ [B,L,E], a new tensor formed by {@code gemm}. */
    static Tensor projectedDeltaRaw(GemmOps gemm, String op, Tensor u, Tensor dtr, Tensor dtWeight) {
        checkProjection(op, u, dtr, dtWeight);
        Tensor deltaRaw = Tensor.zeros(u.shape());
        gemm.gemm(false, true, 1f, dtr, dtWeight, 0f, deltaRaw);
        return deltaRaw;
    }

    /** As {@link #of} for a projected call (dtr, dtWeight instead of deltaRaw). */
    static ScanShape ofProjected(String op, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias, Tensor aLog, Tensor bm,
                                 Tensor cm, Tensor d, Tensor z) {
        checkProjection(op, u, dtr, dtWeight);
        return of(op, u, u, deltaBias, aLog, bm, cm, d, z);
    }

    /** The checks of a projected forward call: {@link #ofProjected}, then out and (when given) y as token tensors. */
    static ScanShape ofProjectedForward(String op, Tensor u, Tensor dtr, Tensor dtWeight, Tensor deltaBias, Tensor aLog,
                                        Tensor bm, Tensor cm, Tensor d, Tensor z, Tensor y, Tensor out) {
        ScanShape s = ofProjected(op, u, dtr, dtWeight, deltaBias, aLog, bm, cm, d, z);
        if (y != null) s.tokens(op, "y", y);
        s.tokens(op, "out", out);
        return s;
    }

    /** Checks the gradient tensors of a projected backward call (dReadout may be null). */
    void requireProjectedBackward(String op, Tensor dtr, Tensor dtWeight, Tensor dOut, Tensor dReadout, Tensor du, Tensor dDtr,
                                  Tensor dDtWeight, Tensor dDeltaBias, Tensor dALog, Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        requireBackward(op, dOut, dReadout, du, du, dDeltaBias, dALog, dBm, dCm, dD, dz);
        ConvShape.need(dDtr, op + ": dDtr").requireShape(op + ": dDtr", dtr.shape());
        ConvShape.need(dDtWeight, op + ": dDtWeight").requireShape(op + ": dDtWeight", dtWeight.shape());
    }

    /** out = src rounded, or (out + src rounded)·outScale with addToOut (the merge of {@link ScanOps#selectiveScanForwardProjected}). */
    static void mergeOut(double[] src, Tensor out, boolean addToOut, float outScale) {
        for (int i = 0; i < src.length; i++) {
            float g = (float) src[i];
            out.data[out.offset + i] = addToOut ? (out.data[out.offset + i] + g) * outScale : g;
        }
    }
}
