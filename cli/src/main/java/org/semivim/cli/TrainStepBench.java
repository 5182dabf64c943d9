package org.semivim.cli;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.ops.CpuGemm;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.gpu.CudaAdamW;
import org.semivim.gpu.OpsProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.Callable;
import java.util.function.DoubleConsumer;

/**
 * One supervised training step (forward, cross-entropy, backward, AdamW) timed on random images:
 * images/s, model-FLOP utilisation against the fp32 peak, and peak heap per image.
 */
@Command(name = "train-step", description = "Time forward + backward + AdamW of a model preset: images/s, MFU, peak heap per image.")
final class TrainStepBench implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vim-fmnist-small", description = "preset or model file (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", defaultValue = "64", description = "images per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "5", description = "timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu or cuda (default ${DEFAULT-VALUE}); see docs/gpu.md")
    String device;

    @Option(names = "--peak-gflops", defaultValue = "190",
            description = "fp32 peak for MFU; default: the measured 2-core FMA peak of the project machine (deps.md)")
    double peak;

    @Override
    public Integer call() {
        if (batch < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("--batch and --steps must be positive, --warmup >= 0");
        ModelSpec spec = ModelSpec.resolve(model);
        OpsProvider.Selected backend = OpsProvider.select(device, System.err::println);
        ImageClassifier net = spec.create(backend.ops(), 0);
        AdamW cpuAdam = backend.cuda() == null ? new AdamW(net.parameters(), 0.05) : null;
        CudaAdamW cudaAdam = backend.cuda() == null ? null : new CudaAdamW(backend.cuda(), net.parameters(), 0.05);
        DoubleConsumer adam = lr -> { if (cudaAdam != null) cudaAdam.step(lr); else cpuAdam.step(lr); };
        int[] in = net.inputShape();
        Tensor images = Tensor.zeros(batch, in[0], in[1], in[2]);
        CounterRng rng = CounterRng.of(1, "bench-images");
        for (int i = 0; i < images.size; i++) images.data[i] = (float) rng.normal(i);
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) labels[b] = rng.nextInt(1_000_000 + b, net.numClasses());

        System.out.printf("model=%s params=%d batch=%d threads=%d blas=%s ops=%s%n", model, net.parameters().count(), batch,
                Parallel.threads(), new CpuGemm().implementation(), backend.ops().name());
        for (int s = 0; s < warmup; s++) step(net, backend.ops(), adam, images, labels, s);
        System.gc();
        long baseline = heapUsed();
        resetPeaks();
        long[] ms = new long[steps];
        double[] fwd = new double[steps];
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            fwd[s] = step(net, backend.ops(), adam, images, labels, warmup + s);
            ms[s] = System.nanoTime() - t0;
        }
        long peakHeap = peakHeap();
        java.util.Arrays.sort(ms);
        double median = ms[steps / 2] / 1e9;
        double imagesPerSecond = batch / median;
        double trainFlops = 3 * spec.forwardFlopsPerImage();
        double mfu = imagesPerSecond * trainFlops / (peak * 1e9);
        System.out.printf("step_ms(median)=%.1f images/s=%.1f forward_share=%.2f train_GFLOP/image=%.4f achieved_GFLOP/s=%.1f MFU=%.3f%n",
                median * 1e3, imagesPerSecond, fwd[steps / 2], trainFlops / 1e9, imagesPerSecond * trainFlops / 1e9, mfu);
        System.out.printf("peak_heap_MiB=%.1f baseline_MiB=%.1f peak_heap_per_image_MiB=%.2f%n",
                peakHeap / 1048576.0, baseline / 1048576.0, (peakHeap - baseline) / 1048576.0 / batch);
        return 0;
    }

    /** One step; returns the forward's share of its time. */
    private static double step(ImageClassifier net, Ops ops, DoubleConsumer adam, Tensor images, int[] labels, int step) {
        long t0 = System.nanoTime();
        net.parameters().zeroGrads();
        ImageClassifier.Pass pass = net.forward(images, ForwardMode.train(CounterRng.of(7, "drop").derive(step)));
        long t1 = System.nanoTime();
        Tensor logits = pass.logits();
        int nb = labels.length, k = net.numClasses();
        Tensor targets = Tensor.zeros(nb, k), weights = Tensor.zeros(nb), dLogits = Tensor.zeros(nb, k);
        for (int b = 0; b < nb; b++) {
            targets.data[b * k + labels[b]] = 1f;
            weights.data[b] = 1f / nb;
        }
        ops.loss().softmaxCrossEntropy(logits, targets, weights, dLogits);
        net.backward(pass, dLogits, null);
        net.release(pass);
        adam.accept(1e-4);
        long t2 = System.nanoTime();
        return (t1 - t0) / (double) (t2 - t0);
    }

    private static long heapUsed() {
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) used += p.getUsage().getUsed();
        return used;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        return peak;
    }
}
