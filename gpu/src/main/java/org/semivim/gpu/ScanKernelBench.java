package org.semivim.gpu;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;
import org.semivim.engine.models.VimConfig;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The selective-scan kernels alone on device buffers of one mixer direction's shape [B, L, E] with N
 * states (docs/gpu.md, "Selective scan"), every variant of {@link ScanKernels}: compulsory bytes (every
 * input read once, every output written once) / kernel time (CUDA events, median of 10), as GB/s and
 * as a fraction of the DRAM bandwidth (from the memory clock and bus width; target ≥ 0.70), beside a
 * device-to-device copy of one token tensor (what the memory system reaches in practice). Prints the
 * forward v1 at 1, 2, 4 and 8 chunks, the forward v2 at the plan's chunks, the backward v1 at the
 * plan's chunks, the backward v2 at segments of 4 … 16, and which variant is faster.
 */
public final class ScanKernelBench {
    private ScanKernelBench() {}

    /** The v2 backward's segment lengths the benchmark sweeps. */
    static final int[] SEGMENTS = {4, 6, 8, 10, 12, 16};

    /** GB/s of each kernel variant; {@code backwardV2} is the best segment length's, {@code peak} the DRAM bandwidth. */
    public record Times(double forwardV1, double forwardV2, double backwardV1, double backwardV2, int bestSegment,
                 double copy, double peak) {
        /** The variants that were faster here, as the system properties that select them. */
        String fasterProperties() {
            return "-D" + ScanKernels.FORWARD_PROPERTY + "=" + (forwardV2 > forwardV1 ? "v2" : "v1")
                    + " -D" + ScanKernels.BACKWARD_PROPERTY + "=" + (backwardV2 > backwardV1 ? "v2 -D" + ScanKernels.SEGMENT_PROPERTY + "=" + bestSegment : "v1");
        }
    }

    /** Compulsory bytes of the forward: u, Δ_raw, z, B, C read; y, out written. */
    static double forwardBytes(long tok, long st) {
        return 4.0 * (3 * tok + 2 * st + 2 * tok);
    }

    /** Compulsory bytes of the backward: u, Δ_raw, z, dOut, B, C read; du, dΔ_raw, dz, dB, dC read and written. */
    static double backwardBytes(long tok, long st) {
        return 4.0 * (4 * tok + 2 * st + 3 * 2 * tok + 2 * 2 * st);
    }

    static Times measure(CudaBackend backend, VimConfig cfg, int batch, PrintStream out) {
        int len = cfg.seqLen(), e = cfg.dInner(), n = cfg.dState();
        ScanPlan plan = ScanPlan.of(batch, len, e, n);
        double peak = GpuStepBench.memoryBandwidthGBs(backend);
        if (plan == null) {
            out.printf("scan: no kernel plan for B=%d L=%d E=%d N=%d (runs on the CPU)%n", batch, len, e, n);
            return new Times(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, peak);
        }
        long tok = (long) batch * len * e, st = (long) batch * len * n;
        double fwdBytes = forwardBytes(tok, st), bwdBytes = backwardBytes(tok, st);
        backend.lock();
        try {
            DeviceMemory<CUdeviceptr> mem = backend.memory();
            List<CUdeviceptr> bufs = new ArrayList<>();
            LongFunction<CUdeviceptr> alloc = floats -> {
                CUdeviceptr p = mem.allocate(4 * floats);
                backend.zero(p, floats);
                bufs.add(p);
                return p;
            };
            CUdeviceptr u = alloc.apply(tok), dr = alloc.apply(tok), z = alloc.apply(tok), y = alloc.apply(tok), o = alloc.apply(tok);
            CUdeviceptr bm = alloc.apply(st), cm = alloc.apply(st), bias = alloc.apply(e), d = alloc.apply(e), aLog = alloc.apply((long) e * n);
            CUdeviceptr dOut = alloc.apply(tok), du = alloc.apply(tok), ddr = alloc.apply(tok), dz = alloc.apply(tok);
            CUdeviceptr dbm = alloc.apply(st), dcm = alloc.apply(st), dbias = alloc.apply(e), dd = alloc.apply(e), daLog = alloc.apply((long) e * n);
            long maxCheckpoints = 0;
            for (int seg : SEGMENTS) maxCheckpoints = Math.max(maxCheckpoints, ScanPlan.backwardV2(batch, len, e, n, seg).checkpointFloats());
            CUdeviceptr ckpt = alloc.apply(maxCheckpoints);
            try {
                out.printf("scan_shape B=%d L=%d E=%d N=%d: forward %.1f MB, backward %.1f MB compulsory; memory_peak_GB/s=%.0f%n",
                        batch, len, e, n, fwdBytes / 1e6, bwdBytes / 1e6, peak);
                double copyMs = time(() -> JCudaDriver.cuMemcpyDtoDAsync(y, u, 4 * tok, null));
                double copy = 8.0 * tok / (copyMs * 1e6);
                out.printf("copy (device to device, %.1f MB read + written): %.3f ms %.0f GB/s fraction=%.2f%n", 8.0 * tok / 1e6, copyMs, copy, copy / peak);
                out.printf("scan_plan=%s%n", plan);
                double fwdV1 = 0, fwdV2;
                for (int chunks : new int[] {1, 2, 4, 8}) {
                    ScanPlan p = plan.withForwardChunks(chunks, len);
                    double gbs = fwdBytes / (time(forward(backend, "scan_fwd", p, batch, len, e, n, u, dr, bias, aLog, bm, cm, d, z, y, o)) * 1e6);
                    out.printf("scan_forward v1 chunks=%d chunk_len=%d: %.0f GB/s fraction=%.3f%s%n", p.forwardChunks(), p.forwardChunkLen(), gbs,
                            gbs / peak, p.equals(plan) ? " (plan)" : "");
                    if (p.equals(plan)) fwdV1 = gbs;
                }
                if (fwdV1 == 0) fwdV1 = fwdBytes / (time(forward(backend, "scan_fwd", plan, batch, len, e, n, u, dr, bias, aLog, bm, cm, d, z, y, o)) * 1e6);
                double fwdV2Ms = time(forward(backend, "scan_fwd_v2", plan, batch, len, e, n, u, dr, bias, aLog, bm, cm, d, z, y, o));
                fwdV2 = fwdBytes / (fwdV2Ms * 1e6);
                out.printf("scan_forward v2 chunks=%d (plan): %.3f ms %.0f GB/s fraction=%.3f%n", plan.forwardChunks(), fwdV2Ms, fwdV2, fwdV2 / peak);
                double bwdV1Ms = time(() -> backend.launch("scan_bwd", batch, plan.tiles(), 1, ScanPlan.TILE, plan.backwardChunks(),
                        plan.backwardSharedBytes(n), u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, du, ddr, dbias, daLog,
                        dbm, dcm, dd, dz, batch, len, e, n, plan.backwardChunkLen()));
                double bwdV1 = bwdBytes / (bwdV1Ms * 1e6);
                out.printf("scan_backward v1 chunks=%d chunk_len=%d (plan): %.3f ms %.0f GB/s fraction=%.3f%n", plan.backwardChunks(),
                        plan.backwardChunkLen(), bwdV1Ms, bwdV1, bwdV1 / peak);
                double bwdV2 = 0;
                int best = 0;
                for (int seg : SEGMENTS) {
                    ScanPlan.BackwardV2 v2 = ScanPlan.backwardV2(batch, len, e, n, seg);
                    double ms = time(() -> backend.launch("scan_bwd_v2", v2.blocks(), 1, 1, ScanPlan.TILE, v2.warpsPerBlock(), v2.sharedBytes(),
                            u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, du, ddr, dbias, daLog, dbm, dcm, dd, dz, ckpt,
                            batch, len, e, n, seg));
                    double gbs = bwdBytes / (ms * 1e6);
                    out.printf("scan_backward v2 segment=%d warps/block=%d shared=%d B checkpoints=%.1f MB: %.3f ms %.0f GB/s fraction=%.3f%s%n",
                            seg, v2.warpsPerBlock(), v2.sharedBytes(), 4.0 * v2.checkpointFloats() / 1e6, ms, gbs, gbs / peak,
                            seg == ScanPlan.V2_DEFAULT_SEGMENT ? " (default)" : "");
                    if (gbs > bwdV2) {
                        bwdV2 = gbs;
                        best = seg;
                    }
                }
                Times t = new Times(fwdV1, fwdV2, bwdV1, bwdV2, best, copy, peak);
                out.printf("scan_fraction forward v1=%.3f v2=%.3f; backward v1=%.3f v2=%.3f (segment %d); target 0.70; faster here: %s%n",
                        fwdV1 / peak, fwdV2 / peak, bwdV1 / peak, bwdV2 / peak, best, t.fasterProperties());
                return t;
            } finally {
                for (CUdeviceptr p : bufs) mem.free(p);
            }
        } finally {
            backend.unlock();
        }
    }

    private static Runnable forward(CudaBackend backend, String kernel, ScanPlan p, int batch, int len, int e, int n, CUdeviceptr u, CUdeviceptr dr,
                                    CUdeviceptr bias, CUdeviceptr aLog, CUdeviceptr bm, CUdeviceptr cm, CUdeviceptr d, CUdeviceptr z,
                                    CUdeviceptr y, CUdeviceptr o) {
        return () -> backend.launch(kernel, p.tiles(), batch, 1, ScanPlan.TILE, p.forwardChunks(), p.forwardSharedBytes(n),
                u, dr, bias, aLog, bm, cm, d, z, false, y, o, batch, len, e, n, p.forwardChunkLen());
    }

    /** Median of 10 timed launches after 3 warm-ups, with CUDA events, in ms. */
    static double time(Runnable launch) {
        CUevent start = new CUevent(), stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        for (int i = 0; i < 3; i++) launch.run();
        double[] ms = new double[10];
        for (int i = 0; i < ms.length; i++) {
            JCudaDriver.cuEventRecord(start, null);
            launch.run();
            JCudaDriver.cuEventRecord(stop, null);
            JCudaDriver.cuEventSynchronize(stop);
            float[] t = new float[1];
            JCudaDriver.cuEventElapsedTime(t, start, stop);
            ms[i] = t[0];
        }
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
