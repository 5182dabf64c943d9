package org.semivim.engine.models.mae;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.VisionTransformer;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.MaeRef;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.semivim.engine.testing.FloatArrays.assertCloseToScale;
import static org.semivim.engine.testing.FloatArrays.jitter;
import static org.semivim.engine.testing.FloatArrays.toDouble;
import static org.semivim.engine.testing.FloatArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskedAutoencoderTest {
    private static final int B = 3;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** img 12, patch 4 (9 patches), 2 channels, width 16, 2 blocks of 2 heads, MLP ×4, 5 classes; decoder 12 wide, 2 blocks, 3 heads. */
    private static MaeConfig small(VitConfig.PosEmbed pos, boolean normPix, double maskRatio) {
        VitConfig enc = new VitConfig(12, 4, 2, 16, 2, 2, 4.0, 5, true, pos, 0.0, 1e-6, VitConfig.GlobalPool.TOKEN);
        return new MaeConfig(enc, 12, 2, 3, maskRatio, normPix);
    }

    @Test
    void parameterNamesAreMaesInStateDictOrder() {
        MaeConfig cfg = new MaeConfig(VitConfig.preset("vit-fmnist-tiny"), 64, 2, 4, 0.75, true);
        ParameterSet params = new MaskedAutoencoder(cfg, Ops.cpu(), 1).parameters();
        List<String> names = new ArrayList<>(params.names());
        assertEquals(List.copyOf(cfg.parameterShapes().keySet()), names);
        int firstDecoder = names.indexOf("decoder_embed.weight");
        assertEquals(List.copyOf(VitConfig.preset("vit-fmnist-tiny").parameterShapes().keySet()), names.subList(0, firstDecoder));
        assertEquals(List.of("decoder_embed.weight", "decoder_embed.bias", "mask_token", "decoder_blocks.0.norm1.weight"),
                names.subList(firstDecoder, firstDecoder + 4));
        assertEquals(List.of("decoder_norm.weight", "decoder_norm.bias", "decoder_pred.weight", "decoder_pred.bias"),
                names.subList(names.size() - 4, names.size()));
        assertArrayEquals(new int[]{16, 64}, params.get("decoder_pred.weight").shape()); // p²·c = 16 pixels per patch
        assertTrue(params.contains("decoder_blocks.1.mlp.fc2.bias") && !params.contains("decoder_blocks.2.norm1.weight"));
        for (Parameter p : params.parameters()) {
            boolean decayed = !Arrays.asList("cls_token", "pos_embed", "mask_token").contains(p.name()) && !p.name().endsWith(".bias")
                    && p.shape().length > 1;
            assertEquals(decayed, p.weightDecay(), p.name());
        }
        assertEquals(12, cfg.keepCount()); // int(49·0.25)
    }

    @Test
    void encoderStartsAsTheViTOfTheSameSeedAndClassifierIsThatViT() {
        MaeConfig cfg = small(VitConfig.PosEmbed.LEARNED, false, 0.5);
        MaskedAutoencoder mae = new MaskedAutoencoder(cfg, Ops.cpu(), 9);
        VisionTransformer vit = new VisionTransformer(cfg.encoder(), Ops.cpu(), 9);
        for (Parameter p : vit.parameters().parameters()) {
            assertArrayEquals(p.value().toArray(), mae.parameters().get(p.name()).value().toArray(), p.name());
        }
        float[] mt = mae.parameters().get("mask_token").value().toArray();
        double sq = 0;
        for (float v : mt) sq += v * v;
        double std = Math.sqrt(sq / mt.length);
        assertTrue(std > 0.01 && std < 0.04, "mask_token ~ N(0, 0.02), std " + std);
        Tensor images = uniform(3, -1, 1, 2, 2, 12, 12);
        assertArrayEquals(vit.forward(images, ForwardMode.eval()).logits().toArray(), mae.forward(images, ForwardMode.eval()).logits().toArray());
    }

    /** The visible pass with every patch kept in order is the classifier's forward up to the final norm. */
    @Test
    void visiblePassWithAllPatchesMatchesTheFullForward() {
        VitConfig cfg = small(VitConfig.PosEmbed.SINCOS, false, 0.5).encoder();
        VisionTransformer vit = new VisionTransformer(cfg, Ops.cpu(), 4);
        Tensor images = uniform(5, -1, 1, 2, 2, 12, 12);
        int[][] all = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {0, 1, 2, 3, 4, 5, 6, 7, 8}};
        Tensor latent = vit.forwardVisible(images, all, ForwardMode.eval()).latent();
        Tensor logits = vit.forward(images, ForwardMode.eval()).logits();
        Parameter hw = vit.parameters().get("head.weight"), hb = vit.parameters().get("head.bias");
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 5; c++) {
                double s = hb.value().get(c);
                for (int j = 0; j < 16; j++) s += hw.value().get(c * 16 + j) * latent.get(b * 10 * 16 + j);
                assertEquals(logits.get(b * 5 + c), s, 1e-5);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> vit.forwardVisible(images, new int[][]{{0, 0}, {1, 2}}, ForwardMode.eval()));
        assertThrows(IllegalArgumentException.class, () -> vit.forwardVisible(images, new int[][]{{0, 1}, {1}}, ForwardMode.eval()));
        assertThrows(IllegalArgumentException.class, () -> vit.forwardVisible(images, new int[][]{{0, 9}, {1, 2}}, ForwardMode.eval()));
    }

    /**
     * The float model on both backends against the double MaeRef with the same (float) parameters and
     * mask: loss, every parameter gradient and dImages within 1e-5 of each tensor's max-abs (the ViT
     * test's tolerance; the decoder adds a few more float ops of the same kind).
     */
    @Test
    void floatModelMatchesDoubleReference() {
        for (MaeConfig cfg : List.of(small(VitConfig.PosEmbed.LEARNED, false, 0.5), small(VitConfig.PosEmbed.SINCOS, true, 0.75))) {
            for (Ops ops : new Ops[]{Ops.cpu(), Ops.reference()}) {
                MaskedAutoencoder model = new MaskedAutoencoder(cfg, ops, 5);
                jitter(model.parameters().flatValues(), 6);
                Tensor images = uniform(7, -1, 1, B, 2, 12, 12);
                MaeMask mask = MaeMask.draw(CounterRng.of(3, "test.mask"), new long[]{10, 11, 12}, 9, cfg.keepCount());
                MaskedAutoencoder.MaePass pass = model.maeForward(images, mask, ForwardMode.eval());
                Tensor dImages = Tensor.zeros(images.shape());
                model.maeBackward(pass, 1f, dImages);

                Map<String, double[]> p = new LinkedHashMap<>();
                for (Parameter q : model.parameters().parameters()) p.put(q.name(), toDouble(q.value().toArray()));
                MaeRef.Forward f = MaeRef.forward(cfg, p, toDouble(images.toArray()), B, mask.shuffle());
                Map<String, double[]> grads = new LinkedHashMap<>();
                for (var e : p.entrySet()) grads.put(e.getKey(), new double[e.getValue().length]);
                double[] dImagesRef = new double[images.size];
                MaeRef.backward(cfg, p, f, grads, dImagesRef);

                String what = cfg.encoder().posEmbed() + " norm_pix " + cfg.normPixLoss() + " on " + ops;
                assertEquals(f.loss(), pass.loss(), 1e-5 * f.loss(), what + " loss");
                assertCloseToScale(what + " pred", f.pred(), pass.pred().toArray(), 1e-5);
                assertCloseToScale(what + " dImages", dImagesRef, dImages.toArray(), 1e-5);
                for (Parameter q : model.parameters().parameters()) {
                    if (q.name().startsWith("head.")) {
                        for (float g : q.grad().toArray()) assertEquals(0f, g, what + " the MAE loss does not reach the head");
                    } else {
                        assertCloseToScale(what + " d" + q.name(), grads.get(q.name()), q.grad().toArray(), 1e-5);
                    }
                }
            }
        }
    }

    /**
     * A directional finite difference of the float model itself on the double-accumulating backend:
     * (L(θ + h·v) − L(θ − h·v))/2h against g·v for a random direction v with entries in [−1, 1] and
     * h = 1e-4. Rounding θ + h·v to float moves each step by ~1e-3 of itself and L carries ~1e-7
     * relative float error (~1e-3 of the difference); the O(h²) term is negligible. 1e-2 relative
     * leaves room, while a wrong gradient term is O(1) off.
     */
    @Test
    void floatGradientMatchesDirectionalFiniteDifference() {
        MaeConfig cfg = small(VitConfig.PosEmbed.LEARNED, true, 0.5);
        MaskedAutoencoder model = new MaskedAutoencoder(cfg, Ops.reference(), 5);
        jitter(model.parameters().flatValues(), 16);
        Tensor images = uniform(17, -1, 1, 2, 2, 12, 12);
        MaeMask mask = MaeMask.draw(CounterRng.of(4, "test.mask"), new long[]{1, 2}, 9, cfg.keepCount());
        model.maeBackward(model.maeForward(images, mask, ForwardMode.eval()), 1f, null);
        float[] grad = model.parameters().flatGrads().toArray();
        float[] theta = model.parameters().flatValues().toArray();
        SplittableRandom rnd = new SplittableRandom(18);
        double[] v = new double[theta.length];
        double dot = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(-1, 1);
            dot += v[i] * grad[i];
        }
        double h = 1e-4;
        double lp = lossAt(model, theta, v, h, images, mask), lm = lossAt(model, theta, v, -h, images, mask);
        double numeric = (lp - lm) / (2 * h);
        assertEquals(dot, numeric, 1e-2 * Math.abs(dot), "directional derivative");
        assertTrue(Math.abs(dot) > 1e-3, "the direction should see a gradient, g·v = " + dot);
    }

    private static double lossAt(MaskedAutoencoder model, float[] theta, double[] v, double h, Tensor images, MaeMask mask) {
        float[] values = model.parameters().flatValues().data;
        for (int i = 0; i < values.length; i++) values[i] = (float) (theta[i] + h * v[i]);
        double loss = model.maeForward(images, mask, ForwardMode.eval()).loss();
        System.arraycopy(theta, 0, values, 0, values.length);
        return loss;
    }

    /** The Fashion-MNIST tiny encoder (4 blocks) with a 64-wide decoder: fast backend against the reference, 1e-5 of max-abs. */
    @Test
    void cpuAndReferenceBackendsAgree() {
        MaeConfig cfg = new MaeConfig(VitConfig.preset("vit-fmnist-tiny"), 64, 2, 4, 0.75, true);
        Tensor images = uniform(21, -1, 1, 2, 1, 28, 28);
        MaeMask mask = MaeMask.draw(CounterRng.of(6, "test.mask"), new long[]{3, 4}, 49, 12);
        double[] losses = new double[2];
        float[][] grads = new float[2][];
        Ops[] backends = {Ops.cpu(), Ops.reference()};
        for (int i = 0; i < 2; i++) {
            MaskedAutoencoder model = new MaskedAutoencoder(cfg, backends[i], 5);
            jitter(model.parameters().flatValues(), 22);
            MaskedAutoencoder.MaePass pass = model.maeForward(images, mask, ForwardMode.eval());
            model.maeBackward(pass, 1f, null);
            losses[i] = pass.loss();
            grads[i] = model.parameters().flatGrads().toArray();
        }
        assertEquals(losses[1], losses[0], 1e-5 * losses[1]);
        assertCloseToScale("all parameter gradients", toDouble(grads[1]), grads[0], 1e-5);
    }

    @Test
    void resultsDoNotDependOnThreadCountAndBackwardAccumulates() {
        MaeConfig cfg = new MaeConfig(VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "drop_path_rate", 0.2)), 32, 2, 4, 0.75, true);
        Tensor images = uniform(13, -1, 1, 6, 1, 28, 28);
        MaeMask mask = MaeMask.draw(CounterRng.of(5, "test.mask"), new long[]{0, 1, 2, 3, 4, 5}, 49, 12);
        ForwardMode mode = ForwardMode.train(CounterRng.of(3, "test.threads"));
        Parallel.setThreads(1);
        float[][] one = run(cfg, images, mask, mode);
        Parallel.setThreads(3);
        float[][] three = run(cfg, images, mask, mode);
        assertArrayEquals(one[0], three[0]);
        assertArrayEquals(one[1], three[1]);

        MaskedAutoencoder model = new MaskedAutoencoder(cfg, Ops.cpu(), 2);
        MaskedAutoencoder.MaePass pass = model.maeForward(images, mask, ForwardMode.eval());
        model.maeBackward(pass, 1f, null);
        float[] once = model.parameters().flatGrads().toArray();
        model.maeBackward(pass, 0.5f, null);
        float[] after = model.parameters().flatGrads().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(1.5f * once[i], after[i], 1e-6f * (1 + Math.abs(after[i])), "gradient " + i);
    }

    private static float[][] run(MaeConfig cfg, Tensor images, MaeMask mask, ForwardMode mode) {
        MaskedAutoencoder model = new MaskedAutoencoder(cfg, Ops.cpu(), 2);
        MaskedAutoencoder.MaePass pass = model.maeForward(images, mask, mode);
        model.maeBackward(pass, 1f, null);
        return new float[][]{pass.pred().toArray(), model.parameters().flatGrads().toArray()};
    }

    @Test
    void badInputsAreRejected() {
        MaeConfig cfg = small(VitConfig.PosEmbed.LEARNED, false, 0.5);
        MaskedAutoencoder model = new MaskedAutoencoder(cfg, Ops.cpu(), 1);
        MaeMask wrongKeep = MaeMask.draw(CounterRng.of(1, "m"), new long[]{0, 1}, 9, 3);
        assertThrows(IllegalArgumentException.class, () -> model.maeForward(uniform(1, -1, 1, 2, 2, 12, 12), wrongKeep, ForwardMode.eval()));
        MaeMask three = MaeMask.draw(CounterRng.of(1, "m"), new long[]{0, 1, 2}, 9, 4);
        assertThrows(IllegalArgumentException.class, () -> model.maeForward(uniform(1, -1, 1, 2, 2, 12, 12), three, ForwardMode.eval()));
        VitConfig avg = new VitConfig(12, 4, 2, 16, 2, 2, 4.0, 5, true, VitConfig.PosEmbed.LEARNED, 0.0, 1e-6, VitConfig.GlobalPool.AVG);
        assertThrows(IllegalArgumentException.class, () -> new MaeConfig(avg, 12, 2, 3, 0.5, false));
        assertThrows(IllegalArgumentException.class, () -> new MaeConfig(cfg.encoder(), 10, 2, 3, 0.5, false));
        assertThrows(IllegalArgumentException.class, () -> new MaeConfig(cfg.encoder(), 12, 2, 5, 0.5, false));
        assertThrows(IllegalArgumentException.class, () -> new MaeConfig(cfg.encoder(), 12, 2, 3, 0.95, false)); // keeps int(9·0.05) = 0
        VisionTransformer shared = new VisionTransformer(cfg.encoder(), Ops.cpu(), ParameterSet.builder());
        assertThrows(IllegalStateException.class, shared::parameters);
        assertThrows(IllegalArgumentException.class, () -> shared.attach(ParameterSet.builder().build()));
    }
}
