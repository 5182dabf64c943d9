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
 * states (docs/gpu.md, "Selective scan"): compulsory bytes (every input read once, every output written
 * once) / kernel time (CUDA events around 10 back-to-back launches, median of 10 such pairs), as GB/s and
 * as a fraction of the DRAM bandwidth (from the memory clock and bus width; target ≥ 0.70), beside a
 * device-to-device copy of one token tensor (what the memory system reaches in practice). Prints the
 * forward at 1, 2, 4 and 8 chunks (the plan's marked) and the backward at segments of 4 … 16 (the
 * default marked), and which segment length was fastest.
 */
public final class ScanKernelBench {
    private ScanKernelBench() {}

    /** The backward's segment lengths the benchmark sweeps. */
    static final int[] SEGMENTS = {4, 6, 8, 10, 12, 16};
    /** Launches between the two events of one timing: the host's cost of a launch (JNI, parameters) stays out of the kernel time. */
    static final int LAUNCHES_PER_TIMING = 10;

    /** GB/s of the forward at the plan's chunks, of the backward at the default segment and at the fastest one ({@code bestSegment}); {@code peak}: the DRAM bandwidth. */
    public record Times(double forward, double backward, double bestBackward, int bestSegment, double copy, double peak) {
        /** The system property that selects the fastest segment length, or "" when the default was the fastest. */
        String fasterProperty() {
            return bestSegment == ScanPlan.DEFAULT_SEGMENT || bestSegment == 0 ? "" : "-D" + ScanPlan.SEGMENT_PROPERTY + "=" + bestSegment;
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
            return new Times(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, peak);
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
            for (int seg : SEGMENTS) maxCheckpoints = Math.max(maxCheckpoints, ScanPlan.backward(batch, len, e, n, seg).checkpointFloats());
            CUdeviceptr ckpt = alloc.apply(maxCheckpoints);
            try {
                out.printf("scan_shape B=%d L=%d E=%d N=%d: forward %.1f MB, backward %.1f MB compulsory; memory_peak_GB/s=%.0f%n",
                        batch, len, e, n, fwdBytes / 1e6, bwdBytes / 1e6, peak);
                double copyMs = time(() -> JCudaDriver.cuMemcpyDtoDAsync(y, u, 4 * tok, null));
                double copy = 8.0 * tok / (copyMs * 1e6);
                out.printf("copy (device to device, %.1f MB read + written): %.3f ms %.0f GB/s fraction=%.2f%n", 8.0 * tok / 1e6, copyMs, copy, copy / peak);
                out.printf("scan_plan=%s%n", plan);
                double fwd = 0;
                for (int chunks : new int[] {1, 2, 4, 8}) {
                    ScanPlan p = plan.withForwardChunks(chunks, len);
                    double ms = time(forward(backend, p, batch, len, e, n, u, dr, bias, aLog, bm, cm, d, z, y, o));
                    double gbs = fwdBytes / (ms * 1e6);
                    out.printf("scan_forward chunks=%d chunk_len=%d: %.3f ms %.0f GB/s fraction=%.3f%s%n", p.forwardChunks(), p.forwardChunkLen(), ms, gbs,
                            gbs / peak, p.equals(plan) ? " (plan)" : "");
                    if (p.equals(plan)) fwd = gbs;
                }
                if (fwd == 0) fwd = fwdBytes / (time(forward(backend, plan, batch, len, e, n, u, dr, bias, aLog, bm, cm, d, z, y, o)) * 1e6);
                double bwd = 0, best = 0;
                int bestSegment = 0;
                for (int seg : SEGMENTS) {
                    ScanPlan.Backward p = ScanPlan.backward(batch, len, e, n, seg);
                    double ms = time(() -> backend.launch("scan_bwd", p.blocks(), 1, 1, ScanPlan.TILE, p.warpsPerBlock(), p.sharedBytes(),
                            u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, du, ddr, dbias, daLog, dbm, dcm, dd, dz, ckpt,
                            batch, len, e, n, seg));
                    double gbs = bwdBytes / (ms * 1e6);
                    out.printf("scan_backward segment=%d warps/block=%d shared=%d B checkpoints=%.1f MB: %.3f ms %.0f GB/s fraction=%.3f%s%n",
                            seg, p.warpsPerBlock(), p.sharedBytes(), 4.0 * p.checkpointFloats() / 1e6, ms, gbs, gbs / peak,
                            seg == ScanPlan.DEFAULT_SEGMENT ? " (default)" : "");
                    if (seg == ScanPlan.DEFAULT_SEGMENT) bwd = gbs;
                    if (gbs > best) {
                        best = gbs;
                        bestSegment = seg;
                    }
                }
                Times t = new Times(fwd, bwd, best, bestSegment, copy, peak);
                out.printf("scan_fraction forward=%.3f backward=%.3f (segment %d; fastest here: segment %d, %.3f%s); copy=%.3f; target 0.70%n",
                        fwd / peak, bwd / peak, ScanPlan.DEFAULT_SEGMENT, bestSegment, best / peak,
                        t.fasterProperty().isEmpty() ? "" : ", " + t.fasterProperty(), copy / peak);
                return t;
            } finally {
                for (CUdeviceptr p : bufs) mem.free(p);
            }
        } finally {
            backend.unlock();
        }
    }

    private static Runnable forward(CudaBackend backend, ScanPlan p, int batch, int len, int e, int n, CUdeviceptr u, CUdeviceptr dr,
                                    CUdeviceptr bias, CUdeviceptr aLog, CUdeviceptr bm, CUdeviceptr cm, CUdeviceptr d, CUdeviceptr z,
                                    CUdeviceptr y, CUdeviceptr o) {
        return () -> backend.launch("scan_fwd", p.tiles(), batch, 1, ScanPlan.TILE, p.forwardChunks(), p.forwardSharedBytes(n),
                u, dr, bias, aLog, bm, cm, d, z, false, y, o, batch, len, e, n, p.forwardChunkLen());
    }
    /** Per launch: the median of 10 timings of {@value #LAUNCHES_PER_TIMING} back-to-back launches (after 3 warm-ups), with CUDA events, in ms. */
    static double time(Runnable launch) {
        CUevent start = new CUevent(), stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        for (int i = 0; i < 3; i++) launch.run();
        double[] ms = new double[10];
        for (int i = 0; i < ms.length; i++) {
            JCudaDriver.cuEventRecord(start, null);
            for (int r = 0; r < LAUNCHES_PER_TIMING; r++) launch.run();
            JCudaDriver.cuEventRecord(stop, null);
            JCudaDriver.cuEventSynchronize(stop);
            float[] t = new float[1];
            JCudaDriver.cuEventElapsedTime(t, start, stop);
            ms[i] = t[0] / LAUNCHES_PER_TIMING;
        }
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
