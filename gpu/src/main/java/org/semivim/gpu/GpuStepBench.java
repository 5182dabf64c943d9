package org.semivim.gpu;

import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The GPU benchmark behind {@code semivim bench gpu-step} (docs/gpu.md, "Benchmark"): a supervised
 * training step (forward, cross-entropy, backward, CudaAdamW) of a model preset on the CUDA
 * backend, reported as images/s and model-FLOP utilisation against the fp32 peak; and the
 * selective-scan kernel alone on device-resident tensors of the model's shape, reported as
 * achieved bandwidth (compulsory bytes / kernel time, CUDA events) against the memory bandwidth
 * computed from the device's memory clock and bus width.
 */
public final class GpuStepBench {
    private GpuStepBench() {}

    /** What the run measured. */
    public record Result(double stepMsMedian, double imagesPerSecond, double mfu, double scanForwardGBs,
                         double scanBackwardGBs, double peakMemoryGBs) {}

    public static Result run(CudaBackend backend, String model, int batch, int steps, int warmup, double peakTflops, PrintStream out) {
        if (batch < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("--batch and --steps must be positive, --warmup >= 0");
        ModelSpec spec = ModelSpec.resolve(model);
        Ops ops = CudaOps.create(backend);
        ImageClassifier net = spec.create(ops, 0);
        int[] in = net.inputShape();
        Tensor images = Tensor.zeros(batch, in[0], in[1], in[2]);
        CounterRng rng = CounterRng.of(1, "bench-images");
        for (int i = 0; i < images.size; i++) images.data[i] = (float) rng.normal(i);
        int k = net.numClasses();
        Tensor targets = Tensor.zeros(batch, k), weights = Tensor.zeros(batch);
        for (int b = 0; b < batch; b++) {
            targets.data[b * k + rng.nextInt(1_000_000 + b, k)] = 1f;
            weights.data[b] = 1f / batch;
        }
        out.println(backend.describe());
        out.printf("model=%s params=%d batch=%d%n", model, net.parameters().count(), batch);
        double[] ms = new double[steps];
        try (CudaAdamW adam = new CudaAdamW(backend, net.parameters(), 0.05)) {
            for (int s = 0; s < warmup; s++) step(net, ops, adam, images, targets, weights, s);
            long poolBefore = backend.poolAllocations();
            long[] transferBefore = backend.transferredBytes();
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                step(net, ops, adam, images, targets, weights, warmup + s);
                backend.lock();
                try {
                    backend.synchronize();
                } finally {
                    backend.unlock();
                }
                ms[s] = (System.nanoTime() - t0) / 1e6;
            }
            long[] transferAfter = backend.transferredBytes();
            out.printf("device_allocations_during_timed_steps=%d host_to_device_MiB/step=%.0f device_to_host_MiB/step=%.0f%n",
                    backend.poolAllocations() - poolBefore, (transferAfter[0] - transferBefore[0]) / 1048576.0 / steps,
                    (transferAfter[1] - transferBefore[1]) / 1048576.0 / steps);
        }
        Arrays.sort(ms);
        double median = ms[steps / 2];
        double imagesPerSecond = batch / (median / 1e3);
        double trainFlops = 3 * spec.forwardFlopsPerImage();
        double mfu = imagesPerSecond * trainFlops / (peakTflops * 1e12);
        out.printf("step_ms(median)=%.1f images/s=%.1f train_GFLOP/image=%.3f achieved_TFLOP/s=%.2f peak_TFLOP/s=%.1f MFU=%.3f%n",
                median, imagesPerSecond, trainFlops / 1e9, imagesPerSecond * trainFlops / 1e12, peakTflops, mfu);
        double peakBw = memoryBandwidthGBs(backend);
        double[] scan = spec instanceof ModelSpec.Vim vim ? scanBandwidth(backend, vim.config(), batch, out) : new double[] {Double.NaN, Double.NaN};
        out.printf("scan_forward_GB/s=%.0f scan_backward_GB/s=%.0f memory_peak_GB/s=%.0f scan_forward_fraction=%.2f scan_backward_fraction=%.2f%n",
                scan[0], scan[1], peakBw, scan[0] / peakBw, scan[1] / peakBw);
        return new Result(median, imagesPerSecond, mfu, scan[0], scan[1], peakBw);
    }

    private static void step(ImageClassifier net, Ops ops, CudaAdamW adam, Tensor images, Tensor targets, Tensor weights, int step) {
        net.parameters().zeroGrads();
        ImageClassifier.Pass pass = net.forward(images, ForwardMode.train(CounterRng.of(7, "drop").derive(step)));
        Tensor dLogits = Tensor.zeros(pass.logits().shape());
        ops.loss().softmaxCrossEntropy(pass.logits(), targets, weights, dLogits);
        net.backward(pass, dLogits, null);
        adam.step(1e-4);
    }

    /** Peak DRAM bandwidth in GB/s: 2 (double data rate) × memory clock × bus width. */
    static double memoryBandwidthGBs(CudaBackend backend) {
        backend.lock();
        try {
            int[] clockKhz = new int[1], busBits = new int[1];
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            JCudaDriver.cuCtxGetDevice(dev);
            JCudaDriver.cuDeviceGetAttribute(clockKhz, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, dev);
            JCudaDriver.cuDeviceGetAttribute(busBits, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, dev);
            return 2.0 * clockKhz[0] * 1e3 * (busBits[0] / 8.0) / 1e9;
        } finally {
            backend.unlock();
        }
    }

    /**
     * The scan kernels alone on device buffers of one mixer direction's shape [B, L, E] with N states:
     * compulsory bytes (every input read once, every output written once) / kernel time, GB/s, with
     * the launch plan {@link ScanPlan#of} picks. Also prints the forward at 1, 2, 4 and 8 chunks (the
     * plan's occupancy rule, docs/gpu.md "Selective scan") and the plan itself.
     */
    static double[] scanBandwidth(CudaBackend backend, VimConfig cfg, int batch, PrintStream out) {
        int len = cfg.seqLen(), e = cfg.dInner(), n = cfg.dState();
        ScanPlan plan = ScanPlan.of(batch, len, e, n);
        if (plan == null) return new double[] {Double.NaN, Double.NaN};
        long tok = (long) batch * len * e, st = (long) batch * len * n;
        double fwdBytes = 4.0 * (3 * tok + 2 * st + 2 * tok);                   // u, deltaRaw, z, B, C in; y, out
        double bwdBytes = 4.0 * (4 * tok + 2 * st + 3 * 2 * tok + 2 * 2 * st);  // u, deltaRaw, z, dOut, B, C in; du, dΔ, dz, dB, dC read+written
        backend.lock();
        try {
            DeviceMemory<CUdeviceptr> mem = backend.memory();
            java.util.List<CUdeviceptr> bufs = new java.util.ArrayList<>();
            java.util.function.LongFunction<CUdeviceptr> alloc = floats -> {
                CUdeviceptr p = mem.allocate(4 * floats);
                backend.zero(p, floats);
                bufs.add(p);
                return p;
            };
            CUdeviceptr u = alloc.apply(tok), dr = alloc.apply(tok), z = alloc.apply(tok), y = alloc.apply(tok), o = alloc.apply(tok);
            CUdeviceptr bm = alloc.apply(st), cm = alloc.apply(st), bias = alloc.apply(e), d = alloc.apply(e), aLog = alloc.apply((long) e * n);
            CUdeviceptr dOut = alloc.apply(tok), du = alloc.apply(tok), ddr = alloc.apply(tok), dz = alloc.apply(tok);
            CUdeviceptr dbm = alloc.apply(st), dcm = alloc.apply(st), dbias = alloc.apply(e), dd = alloc.apply(e), daLog = alloc.apply((long) e * n);
            try {
                java.util.function.Function<ScanPlan, Runnable> fwdOf = pl -> () -> backend.launch("scan_fwd", pl.tiles(), batch, 1,
                        ScanPlan.TILE, pl.forwardChunks(), pl.forwardSharedBytes(n),
                        u, dr, bias, aLog, bm, cm, d, z, false, y, o, batch, len, e, n, pl.forwardChunkLen());
                Runnable bwd = () -> backend.launch("scan_bwd", batch, plan.tiles(), 1, ScanPlan.TILE, plan.backwardChunks(),
                        plan.backwardSharedBytes(n), u, dr, bias, aLog, bm, cm, d, z, false, dOut, null, du, ddr, dbias, daLog,
                        dbm, dcm, dd, dz, batch, len, e, n, plan.backwardChunkLen());
                out.printf("scan_plan=%s%n", plan);
                for (int chunks : new int[] {1, 2, 4, 8}) {
                    ScanPlan p = plan.withForwardChunks(chunks, len);
                    double ms = time(fwdOf.apply(p));
                    out.printf("scan_forward chunks=%d chunk_len=%d: %.3f ms %.0f GB/s%n", p.forwardChunks(), p.forwardChunkLen(), ms, fwdBytes / (ms * 1e6));
                }
                double fwdMs = time(fwdOf.apply(plan)), bwdMs = time(bwd);
                out.printf("scan_forward (plan) %.3f ms, scan_backward (plan) %.3f ms%n", fwdMs, bwdMs);
                return new double[] {fwdBytes / (fwdMs * 1e6), bwdBytes / (bwdMs * 1e6)};
            } finally {
                for (CUdeviceptr p : bufs) mem.free(p);
            }
        } finally {
            backend.unlock();
        }
    }

    /** Median of 10 timed launches after 3 warm-ups, with CUDA events, in ms. */
    private static double time(Runnable launch) {
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
