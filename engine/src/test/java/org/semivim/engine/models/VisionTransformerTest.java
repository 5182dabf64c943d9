package org.semivim.engine.models;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.VitRef;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.semivim.engine.testing.FloatArrays.assertCloseToScale;
import static org.semivim.engine.testing.FloatArrays.jitter;
import static org.semivim.engine.testing.FloatArrays.toDouble;
import static org.semivim.engine.testing.FloatArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VisionTransformerTest {
    private static final int B = 3;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** img 12, patch 4 (9 patches), 2 channels, width 16, 2 blocks of 2 heads, MLP 64, 5 classes. */
    private static VitConfig small(VitConfig.PosEmbed pos, VitConfig.GlobalPool pool, boolean cls, double dropPath) {
        return new VitConfig(12, 4, 2, 16, 2, 2, 4.0, 5, cls, pos, dropPath, 1e-6, pool);
    }

    private static List<VitConfig> variants() {
        return List.of(small(VitConfig.PosEmbed.LEARNED, VitConfig.GlobalPool.TOKEN, true, 0),
                small(VitConfig.PosEmbed.SINCOS, VitConfig.GlobalPool.AVG, true, 0),
                small(VitConfig.PosEmbed.LEARNED, VitConfig.GlobalPool.AVG, false, 0));
    }

    @Test
    void parametersHaveTheConfigLayoutAndTimmWeightDecay() {
        VitConfig cfg = VitConfig.preset("vit-fmnist-tiny");
        ParameterSet params = new VisionTransformer(cfg, Ops.cpu(), 1).parameters();
        Map<String, int[]> shapes = cfg.parameterShapes();
        assertEquals(List.copyOf(shapes.keySet()), List.copyOf(params.names()));
        for (Parameter p : params.parameters()) {
            assertArrayEquals(shapes.get(p.name()), p.shape(), p.name());
            boolean decayed = !p.name().equals("cls_token") && !p.name().equals("pos_embed") && !p.name().endsWith(".bias") && p.shape().length > 1;
            assertEquals(decayed, p.weightDecay(), p.name());
        }
        assertEquals(cfg.parameterCount(), params.count());
        assertArrayEquals(new int[]{1, 28, 28}, new VisionTransformer(cfg, Ops.cpu(), 1).inputShape());
    }

    /**
     * The float model (both backends) against the double VitRef with the same (float) parameters.
     * Tolerance 1e-5 of each tensor's max-abs: float32 rounding (6e-8) compounds through the ~20
     * float ops of these two-block models (LayerNorm's 1/σ amplifies it); the largest error seen
     * is 7.5e-7 relative, so 1e-5 keeps a margin above 10 while a wrong index or missing term is O(1).
     */
    @Test
    void floatModelMatchesDoubleReferenceInEvaluation() {
        for (VitConfig cfg : variants()) {
            for (Ops ops : new Ops[]{Ops.cpu(), Ops.reference()}) {
                compareWithReference(cfg, ops, ForwardMode.eval(), null, cfg + " on " + ops);
            }
        }
    }

    @Test
    void floatModelMatchesDoubleReferenceWithDropPath() {
        VitConfig cfg = small(VitConfig.PosEmbed.LEARNED, VitConfig.GlobalPool.TOKEN, true, 0.5);
        CounterRng rng = CounterRng.of(99, "test.drop");
        double[][][] scales = expectedDropScales(cfg, rng);
        int dropped = 0;
        for (double[][] block : scales) for (double[] branch : block) for (double s : branch) if (s == 0) dropped++;
        assertTrue(dropped > 0 && dropped < 2 * 2 * B, "the seed should drop some branches but not all, dropped " + dropped);
        compareWithReference(cfg, Ops.cpu(), ForwardMode.train(rng), scales, "drop-path 0.5");
    }

    /** The documented mask rule: block i, branch j (0 attention, 1 MLP), sample b keeps iff floor(keep + u) = 1, u = derive(i).uniformDouble(j·B + b). */
    private static double[][][] expectedDropScales(VitConfig cfg, CounterRng rng) {
        double[] rates = cfg.dropPathRates();
        double[][][] s = new double[cfg.depth()][2][B];
        for (int i = 0; i < cfg.depth(); i++) {
            double keep = 1.0 - rates[i];
            for (int j = 0; j < 2; j++) {
                for (int b = 0; b < B; b++) {
                    double kept = Math.floor(keep + rng.derive(i).uniformDouble(j * B + b));
                    s[i][j][b] = rates[i] == 0 ? 1.0 : kept / (float) keep;
                }
            }
        }
        return s;
    }

    private static void compareWithReference(VitConfig cfg, Ops ops, ForwardMode mode, double[][][] scales, String what) {
        VisionTransformer model = new VisionTransformer(cfg, ops, 5);
        jitter(model.parameters().flatValues(), 6);
        Tensor images = uniform(7, -1, 1, B, cfg.inChans(), cfg.imgSize(), cfg.imgSize());
        Tensor dLogits = uniform(8, -1, 1, B, cfg.numClasses());
        ImageClassifier.Pass pass = model.forward(images, mode);
        Tensor dImages = Tensor.zeros(images.shape());
        model.backward(pass, dLogits, dImages);

        Map<String, double[]> p = new LinkedHashMap<>();
        for (Parameter q : model.parameters().parameters()) p.put(q.name(), toDouble(q.value().toArray()));
        VitRef.Forward f = VitRef.forward(cfg, p, toDouble(images.toArray()), B, scales);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (var e : p.entrySet()) grads.put(e.getKey(), new double[e.getValue().length]);
        double[] dImagesRef = new double[images.size];
        VitRef.backward(cfg, p, f, toDouble(dLogits.toArray()), grads, dImagesRef);

        assertCloseToScale(what + " logits", f.logits(), pass.logits().toArray(), 1e-5);
        assertCloseToScale(what + " dImages", dImagesRef, dImages.toArray(), 1e-5);
        for (Parameter q : model.parameters().parameters()) {
            assertCloseToScale(what + " d" + q.name(), grads.get(q.name()), q.grad().toArray(), 1e-5);
        }
    }

    /** The full Fashion-MNIST tiny preset (4 blocks): same 1e-5 tolerance, largest error seen 6.2e-7. */
    @Test
    void cpuAndReferenceBackendsAgree() {
        VitConfig cfg = VitConfig.preset("vit-fmnist-tiny");
        Tensor images = uniform(11, -1, 1, 2, 1, 28, 28);
        Tensor dLogits = uniform(12, -1, 1, 2, 10);
        Result cpu = run(cfg, Ops.cpu(), images, dLogits, ForwardMode.eval());
        Result ref = run(cfg, Ops.reference(), images, dLogits, ForwardMode.eval());
        assertCloseToScale("logits", toDouble(ref.logits), cpu.logits, 1e-5);
        assertCloseToScale("dImages", toDouble(ref.dImages), cpu.dImages, 1e-5);
        assertCloseToScale("all parameter gradients", toDouble(ref.grads), cpu.grads, 1e-5);
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        VitConfig cfg = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "drop_path_rate", 0.2));
        Tensor images = uniform(13, -1, 1, 16, 1, 28, 28);
        Tensor dLogits = uniform(14, -1, 1, 16, 10);
        ForwardMode mode = ForwardMode.train(CounterRng.of(3, "test.threads"));
        Parallel.setThreads(1);
        Result one = run(cfg, Ops.cpu(), images, dLogits, mode);
        Parallel.setThreads(3);
        Result three = run(cfg, Ops.cpu(), images, dLogits, mode);
        assertArrayEquals(one.logits, three.logits);
        assertArrayEquals(one.dImages, three.dImages);
        assertArrayEquals(one.grads, three.grads);
    }

    @Test
    void evaluationIgnoresDropPathAndBackwardAccumulates() {
        VitConfig plain = VitConfig.preset("vit-fmnist-tiny");
        VitConfig dropping = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "drop_path_rate", 0.3));
        Tensor images = uniform(15, -1, 1, 2, 1, 28, 28);
        Tensor dLogits = uniform(16, -1, 1, 2, 10);
        Result a = run(plain, Ops.cpu(), images, dLogits, ForwardMode.eval());
        Result b = run(dropping, Ops.cpu(), images, dLogits, ForwardMode.eval());
        assertArrayEquals(a.logits, b.logits);
        Result t = run(dropping, Ops.cpu(), images, dLogits, ForwardMode.train(CounterRng.of(1, "x")));
        assertFalse(Arrays.equals(a.logits, t.logits), "training with drop-path 0.3 should change some logits");

        VisionTransformer model = new VisionTransformer(plain, Ops.cpu(), 5);
        ImageClassifier.Pass pass = model.forward(images, ForwardMode.eval());
        model.backward(pass, dLogits, null);
        float[] once = model.parameters().flatGrads().toArray();
        model.backward(pass, dLogits, null);
        float[] twice = model.parameters().flatGrads().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-6f * (1 + Math.abs(twice[i])), "gradient " + i);
    }

    @Test
    void badInputsAreRejected() {
        VitConfig cfg = VitConfig.preset("vit-fmnist-tiny");
        VisionTransformer model = new VisionTransformer(cfg, Ops.cpu(), 1);
        assertMessage("[B,1,28,28]", () -> model.forward(Tensor.zeros(2, 3, 28, 28), ForwardMode.eval()));
        assertMessage("[B,1,28,28]", () -> model.forward(Tensor.zeros(2, 1, 32, 32), ForwardMode.eval()));
        assertMessage("[B,1,28,28]", () -> model.forward(Tensor.zeros(1, 28, 28), ForwardMode.eval()));
        ForwardMode mixup = ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0.5f, new float[]{0.3f, 0.7f}, 1));
        assertMessage("SSMixup", () -> model.forward(Tensor.zeros(2, 1, 28, 28), mixup));
        ImageClassifier.Pass pass = model.forward(Tensor.zeros(2, 1, 28, 28), ForwardMode.eval());
        assertMessage("dLogits", () -> model.backward(pass, Tensor.zeros(2, 9), null));
        assertMessage("dImages", () -> model.backward(pass, Tensor.zeros(2, 10), Tensor.zeros(2, 1, 28, 27)));
        assertMessage("not a pass", () -> model.backward(() -> Tensor.zeros(2, 10), Tensor.zeros(2, 10), null));
    }

    private record Result(float[] logits, float[] dImages, float[] grads) {}

    private static Result run(VitConfig cfg, Ops ops, Tensor images, Tensor dLogits, ForwardMode mode) {
        VisionTransformer model = new VisionTransformer(cfg, ops, 5);
        jitter(model.parameters().flatValues(), 6);
        ImageClassifier.Pass pass = model.forward(images, mode);
        Tensor dImages = Tensor.zeros(images.shape());
        model.backward(pass, dLogits, dImages);
        return new Result(pass.logits().toArray(), dImages.toArray(), model.parameters().flatGrads().toArray());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
