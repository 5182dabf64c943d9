package org.semivim.gpu;

import jcuda.driver.CUdevice_attribute;
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
 * selective-scan kernels alone on device-resident tensors of the model's shape
 * ({@link ScanKernelBench}), reported as achieved bandwidth (compulsory bytes /
 * kernel time, CUDA events) against the memory bandwidth computed from the device's memory clock and bus width.
 */
public final class GpuStepBench {
    private GpuStepBench() {}

    /**
     * What the run measured; the scan kernels' bandwidths ({@link ScanKernelBench}: the backward at the default
     * segment length), NaN for a model without a scan.
     */
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
        out.println("scan backward segment in the step: " + ScanPlan.segmentFromSystemProperties());
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
        ScanKernelBench.Times scan = spec instanceof ModelSpec.Vim vim ? scanBandwidth(backend, vim.config(), batch, out)
                : new ScanKernelBench.Times(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, peakBw);
        out.printf("scan_forward_GB/s=%.0f scan_backward_GB/s=%.0f memory_peak_GB/s=%.0f scan_forward_fraction=%.2f scan_backward_fraction=%.2f%n",
                scan.forward(), scan.backward(), peakBw, scan.forward() / peakBw, scan.backward() / peakBw);
        return new Result(median, imagesPerSecond, mfu, scan.forward(), scan.backward(), peakBw);
    }

    /** The scan kernels of one mixer direction of {@code cfg} at {@code batch} ({@link ScanKernelBench}). */
    public static ScanKernelBench.Times scanBandwidth(CudaBackend backend, VimConfig cfg, int batch, PrintStream out) {
        return ScanKernelBench.measure(backend, cfg, batch, out);
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
}
