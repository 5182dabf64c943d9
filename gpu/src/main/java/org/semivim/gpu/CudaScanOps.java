package org.semivim.gpu;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.ScanOps;
import org.semivim.engine.tensor.Tensor;

/**
 * {@link ScanOps} with the selective-scan kernels: the chunked forward of {@code scan.cu} ({@link ScanPlan}: blocks of 32
 * consecutive channels × chunks of the sequence) and the segmented backward of {@code scan_bwd.cu}
 * ({@link ScanPlan.Backward}: a warp per sample and 32 channels, segments of {@code segmentLen} positions). Shapes the
 * kernels cannot run (more than 16 states) go to the CPU backend's scan.
 */
final class CudaScanOps implements ScanOps {
    private final KernelDevice device;
    private final int forwardChunks;   // 0: the plan's
    private final int segmentLen;

    /** The backward's segment length from the system property ({@link ScanPlan#segmentFromSystemProperties}). */
    CudaScanOps(KernelDevice device) {
        this(device, 0, ScanPlan.segmentFromSystemProperties());
    }

    /** With the forward split into {@code forwardChunks} chunks whatever the plan says (tests of the one-chunk walk). */
    CudaScanOps(KernelDevice device, int forwardChunks) {
        this(device, forwardChunks, ScanPlan.DEFAULT_SEGMENT);
    }

    /** With the forward's chunks ({@code 0}: the plan's) and the backward's segment length given. */
    CudaScanOps(KernelDevice device, int forwardChunks, int segmentLen) {
        ScanPlan.backward(1, 1, 1, 1, segmentLen);   // checks the length
        this.device = device;
        this.forwardChunks = forwardChunks;
        this.segmentLen = segmentLen;
    }

    int segmentLen() {
        return segmentLen;
    }

    private ScanPlan plan(int[] s) {
        ScanPlan plan = ScanPlan.of(s[0], s[1], s[2], s[3]);
        return plan == null || forwardChunks == 0 ? plan : plan.withForwardChunks(forwardChunks, s[1]);
    }

    /** [B, L, E, N] after checking every tensor of a scan call. */
    static int[] shape(String op, Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm, Tensor d, Tensor z) {
        GpuChecks.need(op, "u", u);
        if (u.rank() != 3) throw new IllegalArgumentException(op + ": u must be [B,L,E] but got " + u);
        int b = u.dim(0), l = u.dim(1), e = u.dim(2);
        GpuChecks.need(op, "aLog", aLog);
        if (aLog.rank() != 2 || aLog.dim(0) != e) throw new IllegalArgumentException(op + ": aLog must be [E,N] with E = " + e + " but got " + aLog);
        int n = aLog.dim(1);
        GpuChecks.shape(op, "deltaRaw", deltaRaw, b, l, e);
        GpuChecks.shape(op, "z", z, b, l, e);
        GpuChecks.shape(op, "bm", bm, b, l, n);
        GpuChecks.shape(op, "cm", cm, b, l, n);
        GpuChecks.shape(op, "deltaBias", deltaBias, e);
        GpuChecks.shape(op, "d", d, e);
        return new int[] {b, l, e, n};
    }

    @Override
    public void selectiveScanForward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                     Tensor d, Tensor z, boolean reverse, Tensor y, Tensor out) {
        String op = "selectiveScanForward";
        int[] s = shape(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        GpuChecks.shape(op, "y", y, u.shape());
        GpuChecks.shape(op, "out", out, u.shape());
        ScanPlan plan = plan(s);
        if (plan == null) {
            Ops.cpu().scan().selectiveScanForward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, y, out);
            return;
        }
        if (u.size == 0) return;
        try (KernelSession sc = device.open()) {
            sc.launch("scan_fwd", plan.tiles(), s[0], 1, ScanPlan.TILE, plan.forwardChunks(), plan.forwardSharedBytes(s[3]),
                    sc.in(u), sc.in(deltaRaw), sc.in(deltaBias), sc.in(aLog), sc.in(bm), sc.in(cm), sc.in(d), sc.in(z),
                    reverse, sc.out(y), sc.out(out), s[0], s[1], s[2], s[3], plan.forwardChunkLen());
        }
    }

    @Override
    public void selectiveScanBackward(Tensor u, Tensor deltaRaw, Tensor deltaBias, Tensor aLog, Tensor bm, Tensor cm,
                                      Tensor d, Tensor z, boolean reverse, Tensor dOut, Tensor dReadout,
                                      Tensor du, Tensor dDeltaRaw, Tensor dDeltaBias, Tensor dALog,
                                      Tensor dBm, Tensor dCm, Tensor dD, Tensor dz) {
        String op = "selectiveScanBackward";
        int[] s = shape(op, u, deltaRaw, deltaBias, aLog, bm, cm, d, z);
        int[] tok = u.shape();
        GpuChecks.shape(op, "dOut", dOut, tok);
        if (dReadout != null) GpuChecks.shape(op, "dReadout", dReadout, tok);
        GpuChecks.shape(op, "du", du, tok);
        GpuChecks.shape(op, "dDeltaRaw", dDeltaRaw, tok);
        GpuChecks.shape(op, "dz", dz, tok);
        GpuChecks.shape(op, "dBm", dBm, bm.shape());
        GpuChecks.shape(op, "dCm", dCm, cm.shape());
        GpuChecks.shape(op, "dDeltaBias", dDeltaBias, s[2]);
        GpuChecks.shape(op, "dD", dD, s[2]);
        GpuChecks.shape(op, "dALog", dALog, aLog.shape());
        ScanPlan.Backward plan = ScanPlan.backward(s[0], s[1], s[2], s[3], segmentLen);
        if (plan == null) {
            Ops.cpu().scan().selectiveScanBackward(u, deltaRaw, deltaBias, aLog, bm, cm, d, z, reverse, dOut, dReadout,
                    du, dDeltaRaw, dDeltaBias, dALog, dBm, dCm, dD, dz);
            return;
        }
        if (u.size == 0) return;
        try (KernelSession sc = device.open()) {
            sc.launch("scan_bwd", plan.blocks(), 1, 1, ScanPlan.TILE, plan.warpsPerBlock(), plan.sharedBytes(),
                    sc.in(u), sc.in(deltaRaw), sc.in(deltaBias), sc.in(aLog), sc.in(bm), sc.in(cm), sc.in(d), sc.in(z),
                    reverse, sc.in(dOut), dReadout == null ? null : sc.in(dReadout),
                    sc.inOut(du), sc.inOut(dDeltaRaw), sc.inOut(dDeltaBias), sc.inOut(dALog),
                    sc.inOut(dBm), sc.inOut(dCm), sc.inOut(dD), sc.inOut(dz), sc.scratch(plan.checkpointFloats()),
                    s[0], s[1], s[2], s[3], plan.segmentLen());
        }
    }
}
