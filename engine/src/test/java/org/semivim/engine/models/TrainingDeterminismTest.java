package org.semivim.engine.models;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.GradClip;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Determinism contract (ARCHITECTURE.md): 20 AdamW steps on a tiny ViM (drop-path and SSMixup on)
 * and a tiny ViT give bit-identical parameters when repeated, and the thread count changes nothing.
 */
class TrainingDeterminismTest {
    private static final int STEPS = 20, BATCH = 6;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static ModelSpec tinyVim() {
        return new ModelSpec.Vim(VimConfig.fromMap(Map.of("img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "d_state", 4, "num_classes", 5, "drop_path_rate", 0.3)));
    }

    private static ModelSpec tinyVit() {
        return new ModelSpec.Vit(VitConfig.fromMap(Map.of("img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "num_heads", 2, "num_classes", 5, "drop_path_rate", 0.3)));
    }

    /** Trains from seed 11 for {@link #STEPS} steps and returns the final parameters. */
    private static float[] train(ModelSpec spec, int threads, boolean ssMixup) {
        Parallel.setThreads(threads);
        ImageClassifier net = spec.create(Ops.cpu(), 11);
        AdamW adam = new AdamW(net.parameters(), 0.05);
        LrSchedule lr = LrSchedule.warmupCosine(1e-2, 1e-4, 3, STEPS);
        CounterRng data = CounterRng.of(11, "data");
        int[] in = net.inputShape();
        int k = net.numClasses();
        for (int step = 0; step < STEPS; step++) {
            Tensor x = Tensor.zeros(BATCH, in[0], in[1], in[2]);
            CounterRng stepData = data.derive(step);
            for (int i = 0; i < x.size; i++) x.data[i] = (float) stepData.normal(i);
            Tensor targets = Tensor.zeros(BATCH, k), weights = Tensor.zeros(BATCH), dLogits = Tensor.zeros(BATCH, k);
            for (int b = 0; b < BATCH; b++) {
                targets.data[b * k + stepData.nextInt(1_000_000 + b, k)] = 1f;
                weights.data[b] = 1f / BATCH;
            }
            ForwardMode mode = ForwardMode.train(CounterRng.of(11, "drop").derive(step));
            if (ssMixup) {
                float[] psi = new float[BATCH];
                for (int b = 0; b < BATCH; b++) psi[b] = stepData.uniform(2_000_000 + b);
                mode = mode.withSsMixup(new ForwardMode.SsMixup(0.1f, psi, 1));
            }
            net.parameters().zeroGrads();
            ImageClassifier.Pass pass = net.forward(x, mode);
            Ops.cpu().loss().softmaxCrossEntropy(pass.logits(), targets, weights, dLogits);
            net.backward(pass, dLogits, null);
            double norm = GradClip.clip(net.parameters().flatGrads(), 1.0);
            assertTrue(Double.isFinite(norm), "finite gradient norm at step " + step);
            adam.step(lr.at(step));
        }
        return net.parameters().flatValues().toArray();
    }

    @Test
    void visionMambaIsBitIdenticalAcrossRunsAndThreadCounts() {
        float[] first = train(tinyVim(), 2, true);
        float[] again = train(tinyVim(), 2, true);
        float[] oneThread = train(tinyVim(), 1, true);
        float[] threeThreads = train(tinyVim(), 3, true);
        assertArrayEquals(first, again);
        assertArrayEquals(first, oneThread);
        assertArrayEquals(first, threeThreads);
        float[] init = tinyVim().create(Ops.cpu(), 11).parameters().flatValues().toArray();
        assertFalse(java.util.Arrays.equals(init, first), "training moved the parameters");
    }

    @Test
    void visionTransformerIsBitIdenticalAcrossRunsAndThreadCounts() {
        float[] first = train(tinyVit(), 2, false);
        assertArrayEquals(first, train(tinyVit(), 2, false));
        assertArrayEquals(first, train(tinyVit(), 1, false));
        assertArrayEquals(first, train(tinyVit(), 3, false));
    }

    @Test
    void aDifferentSeedGivesDifferentParameters() {
        ImageClassifier a = tinyVim().create(Ops.cpu(), 1), b = tinyVim().create(Ops.cpu(), 2);
        assertFalse(java.util.Arrays.equals(a.parameters().flatValues().toArray(), b.parameters().flatValues().toArray()));
    }
}
