package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.gpu.GpuTesting.assertClose;

/**
 * A whole supervised training step (forward with DropPath, cross-entropy, backward, AdamW) of a
 * small ViM and a small ViT on {@link #ops()} against the CPU engine from the same seed.
 * Tolerances: loss 1e-5 relative; gradients 1e-3 of their scale; updated parameters 1e-6 absolute
 * where the CPU gradient is above 1e-3 of its scale, and 2·lr + 1e-6 elsewhere (the first Adam
 * step is u ≈ sign(g), so a near-zero gradient may flip sign between backends).
 * {@code CudaTrainingStepTest}: on a GPU (skipped without one); {@code EmulatedTrainingStepTest}: on
 * the CPU emulation of the kernels (skipped without g++) — the same code path, resident parameters
 * and device AdamW included.
 */
abstract class TrainingStepCases {
    private static final double LR = 1e-3;

    /** The device under test: the model runs on its CUDA ops and {@link CudaAdamW} updates it. */
    abstract DeviceRuntime<?> runtime();

    /** Images per step. */
    abstract int batch();

    @Test
    void vimStepMatchesTheCpuEngine() {
        compare(new ModelSpec.Vim(VimConfig.fromMap(Map.of("img_size", 16, "patch_size", 4, "in_chans", 1, "embed_dim", 24,
                "depth", 2, "d_state", 16, "num_classes", 7, "drop_path_rate", 0.2))));
    }

    /** The same ViM step with the scan backward in segments of 4 (17 positions, 5 segments; the default 8 makes 3). */
    @Test
    void vimStepWithShortScanSegmentsMatchesTheCpuEngine() {
        compare(new ModelSpec.Vim(VimConfig.fromMap(Map.of("img_size", 16, "patch_size", 4, "in_chans", 1, "embed_dim", 24,
                "depth", 2, "d_state", 16, "num_classes", 7, "drop_path_rate", 0.2))), 4);
    }

    @Test
    void vitStepMatchesTheCpuEngine() {
        compare(new ModelSpec.Vit(VitConfig.fromMap(Map.of("img_size", 16, "patch_size", 4, "in_chans", 3, "embed_dim", 24,
                "depth", 2, "num_heads", 3, "num_classes", 7, "drop_path_rate", 0.2))));
    }

    private record Result(double loss, float[] grads, float[] values) {}

    private void compare(ModelSpec spec) {
        compare(spec, ScanPlan.segmentFromSystemProperties());
    }

    private void compare(ModelSpec spec, int scanSegment) {
        ImageClassifier cpuNet = spec.create(Ops.cpu(), 5);
        Ops ops = CudaOps.create("under-test", runtime(), scanSegment);
        ImageClassifier gpuNet = spec.create(ops, 5);
        assertEquals(cpuNet.parameters().count(), gpuNet.parameters().count());
        AdamW cpuAdam = new AdamW(cpuNet.parameters(), 0.05);
        Result cpu = step(cpuNet, Ops.cpu(), cpuAdam::step);
        try (CudaAdamW adam = new CudaAdamW(runtime(), gpuNet.parameters(), AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS,
                0.05, java.util.Set.of())) {
            Result gpu = step(gpuNet, ops, adam::step);
            assertEquals(cpu.loss, gpu.loss, 1e-5 * Math.abs(cpu.loss), "loss");
            assertClose("gradients", cpu.grads, gpu.grads, 1e-3);
            double gScale = 0;
            for (float g : cpu.grads) gScale = Math.max(gScale, Math.abs(g));
            for (int i = 0; i < cpu.values.length; i++) {
                double tol = Math.abs(cpu.grads[i]) > 1e-3 * gScale ? 1e-6 : 2 * LR + 1e-6;
                double err = Math.abs(cpu.values[i] - gpu.values[i]);
                int at = i;
                assertTrue(err <= tol, () -> "updated parameter " + at + ": cpu " + cpu.values[at] + " gpu " + gpu.values[at]);
            }
        }
    }

    private Result step(ImageClassifier net, Ops ops, java.util.function.DoubleConsumer adam) {
        final int BATCH = batch();
        int[] in = net.inputShape();
        int k = net.numClasses();
        CounterRng data = CounterRng.of(3, "gpu-parity");
        Tensor images = Tensor.zeros(BATCH, in[0], in[1], in[2]);
        for (int i = 0; i < images.size; i++) images.data[i] = (float) data.normal(i);
        Tensor targets = Tensor.zeros(BATCH, k), weights = Tensor.zeros(BATCH), dLogits = Tensor.zeros(BATCH, k);
        for (int b = 0; b < BATCH; b++) {
            targets.data[b * k + data.nextInt(1_000_000 + b, k)] = 1f;
            weights.data[b] = 1f / BATCH;
        }
        net.parameters().zeroGrads();
        ImageClassifier.Pass pass = net.forward(images, ForwardMode.train(CounterRng.of(3, "drop")));
        double loss = ops.loss().softmaxCrossEntropy(pass.logits(), targets, weights, dLogits);
        net.backward(pass, dLogits, null);
        float[] grads = net.parameters().flatGrads().toArray();
        adam.accept(LR);
        return new Result(loss, grads, net.parameters().flatValues().toArray());
    }
}
