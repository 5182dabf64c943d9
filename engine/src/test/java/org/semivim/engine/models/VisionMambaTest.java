package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.layers.CrossEntropyLoss;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.VimRef;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.models.VimTestSupport.assertGradClose;
import static org.semivim.engine.models.VimTestSupport.assertLogitsClose;
import static org.semivim.engine.models.VimTestSupport.toDouble;
import static org.semivim.engine.models.VimTestSupport.toFloat;

class VisionMambaTest {
    /** A config unlike every fixture: overlapping patches (stride 3 < patch 4), 2 channels, odd sizes, 3 layers. */
    private static final VimConfig RANDOM = VimConfig.fromMap(Map.of("img_size", 14, "patch_size", 4, "stride", 3,
            "in_chans", 2, "embed_dim", 24, "depth", 3, "d_state", 6, "d_conv", 3, "num_classes", 7));
    private static final int[] LABELS = {3, 0, 6, 2};

    private static VisionMamba randomModel(VimConfig cfg, Ops ops) {
        VisionMamba m = new VisionMamba(cfg, ops);
        m.initialize(11);
        VimTestSupport.jitter(m.parameters(), 12, 0.05);
        return m;
    }

    @Test
    void parametersAreTheOfficialStateDict() {
        for (VimConfig cfg : List.of(VimConfig.preset("vim-tiny"), VimConfig.preset("vim-fmnist-small"), RANDOM,
                RANDOM.withOverrides(Map.of("cls_mode", "none", "bimamba", "none")))) {
            ParameterSet expected = VimParameters.parameterSet(cfg);
            ParameterSet actual = new VisionMamba(cfg, Ops.cpu()).parameters();
            actual.requireSameLayout(expected);
            for (Parameter p : expected.parameters()) {
                assertEquals(p.weightDecay(), actual.get(p.name()).weightDecay(), p.name());
            }
        }
        assertEquals(7_148_008, new VisionMamba(VimConfig.preset("vim-tiny"), Ops.cpu()).parameters().count());
    }

    @Test
    void initializeIsVimInit() {
        VisionMamba m = new VisionMamba(RANDOM, Ops.cpu());
        m.initialize(5);
        ParameterSet expected = VimParameters.parameterSet(RANDOM);
        VimInit.initialize(RANDOM, expected, 5);
        assertArrayEquals(expected.flatValues().toArray(), m.parameters().flatValues().toArray());
        assertArrayEquals(new int[] {2, 14, 14}, m.inputShape());
        assertEquals(7, m.numClasses());
    }

    @Test
    void matchesFloat64ReferenceOnRandomConfig() {
        VisionMamba model = randomModel(RANDOM, Ops.cpu());
        compareWithReference(model, ForwardMode.eval(), null, null);
    }

    @Test
    void dropPathAndPartialSsMixupMatchReferenceWithTheSameMasks() {
        VimConfig cfg = RANDOM.withOverrides(Map.of("drop_path_rate", 0.5));
        VisionMamba model = randomModel(cfg, Ops.cpu());
        CounterRng dropRng = CounterRng.of(99, "test.drop");
        // the masks VisionMamba draws: mixer j, sample b → floor(keep_j + U) with U = dropRng.derive(j).uniformDouble(b)
        double[][] scale = new double[cfg.depth()][LABELS.length];
        int dropped = 0;
        for (int j = 0; j < cfg.depth(); j++) {
            double keep = 1 - cfg.mixerDropRate(j);
            for (int b = 0; b < LABELS.length; b++) {
                double kept = Math.floor(keep + dropRng.derive(j).uniformDouble(b));
                scale[j][b] = kept / (float) keep;                  // DropPath divides by the float keep
                if (kept == 0) dropped++;
            }
        }
        assertTrue(dropped > 0 && dropped < 2 * LABELS.length, "the seed should drop some paths, not all: " + dropped);
        float[] psi = {0.2f, 0.9f, 0.5f, 0.35f};
        ForwardMode mode = ForwardMode.train(dropRng).withSsMixup(new ForwardMode.SsMixup(0.1f, psi, 2));
        compareWithReference(model, mode, scale, new VimRef.SsMix(toDouble(psi), 0.1f, 2));
    }

    private static void compareWithReference(VisionMamba model, ForwardMode mode, double[][] dropScale, VimRef.SsMix mix) {
        VimConfig cfg = model.config();
        Tensor images = VimTestSupport.randomImages(3, LABELS.length, cfg);
        Result r = run(model, images, mode);
        Map<String, double[]> p = VimTestSupport.doubles(model.parameters());
        VimRef.Forward f = VimRef.forward(cfg, p, toDouble(images.toArray()), LABELS.length, mix, dropScale);
        double[] dLogits = new double[f.logits.length];
        double loss = VimRef.crossEntropy(f.logits, LABELS, cfg.numClasses(), dLogits);
        VimRef.Gradients g = VimRef.backward(f, p, dLogits);
        assertLogitsClose("logits", toFloat(f.logits), toDouble(r.logits));
        assertLogitsClose("loss", new float[] {(float) loss}, new double[] {r.loss});
        for (Parameter q : model.parameters().parameters()) {
            assertGradClose("grad." + q.name(), toFloat(g.params().get(q.name())), toDouble(q.grad().toArray()));
        }
        assertGradClose("d images", toFloat(g.image()), toDouble(r.dImages));
    }

    /** The Fashion-MNIST preset end to end: a fresh model predicts near-uniformly and every gradient is finite. */
    @Test
    void freshFashionMnistModelPredictsNearUniformly() {
        VimConfig cfg = VimConfig.preset("vim-fmnist-tiny");
        VisionMamba model = new VisionMamba(cfg, Ops.cpu());
        model.initialize(2024);
        Tensor images = VimTestSupport.randomImages(9, LABELS.length, cfg);
        Result r = run(model, images, ForwardMode.train(CounterRng.of(1, "drop")));
        // head.weight ~ N(0, 0.02²) on unit-RMS features of width 64: logits ~ 0.16, loss ≈ ln 10
        assertEquals(Math.log(10), r.loss, 0.1);
        for (float g : r.grads) assertTrue(Float.isFinite(g));
        for (float g : r.dImages) assertTrue(Float.isFinite(g));
        int nonZero = 0;
        for (Parameter p : model.parameters().parameters()) {
            for (float g : p.grad().toArray()) {
                if (g != 0) {
                    nonZero++;
                    break;
                }
            }
        }
        assertEquals(model.parameters().parameters().size(), nonZero, "every parameter tensor gets a gradient");
    }

    @Test
    void ssMixupWithZeroNuIsBitIdenticalToPlain() {
        VisionMamba model = randomModel(RANDOM, Ops.cpu());
        Tensor images = VimTestSupport.randomImages(4, LABELS.length, RANDOM);
        float[] plain = model.forward(images, ForwardMode.eval()).logits().toArray();
        float[] psi = {0.2f, 0.9f, 0.5f, 0.35f};
        float[] zeroNu = model.forward(images, ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0f, psi, 3))).logits().toArray();
        assertArrayEquals(plain, zeroNu);
        float[] withNu = model.forward(images, ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0.1f, psi, 3))).logits().toArray();
        assertFalse(Arrays.equals(plain, withNu), "ν = 0.1 must change the logits");
        float[] noLayers = model.forward(images, ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0.1f, psi, 0))).logits().toArray();
        assertArrayEquals(plain, noLayers, "SSMixup in 0 layers is the plain forward");
    }

    @Test
    void trainingWithoutDropPathEqualsEval() {
        VisionMamba model = randomModel(RANDOM, Ops.cpu());
        Tensor images = VimTestSupport.randomImages(4, LABELS.length, RANDOM);
        Result eval = run(model, images, ForwardMode.eval());
        Result train = run(model, images, ForwardMode.train(CounterRng.of(1, "drop")));
        assertArrayEquals(eval.logits, train.logits);
        assertArrayEquals(eval.grads, train.grads);
    }

    /**
     * The fast CPU backend against the reference backend (each op in double, rounded to float) on the
     * whole model, SSMixup and drop-path on. Both are float32 pipelines; the difference is rounding
     * and summation order, a few float ulps per op (measured: about 1e-6 of the tensor max for the
     * gradients), so the rule is 1e-5 abs + 1e-5 rel for logits and 1e-5 × max for gradients.
     */
    @Test
    void cpuAndReferenceBackendsAgree() {
        VimConfig cfg = RANDOM.withOverrides(Map.of("drop_path_rate", 0.3));
        VisionMamba cpu = randomModel(cfg, Ops.cpu());
        VisionMamba ref = randomModel(cfg, Ops.reference());
        Tensor images = VimTestSupport.randomImages(5, LABELS.length, cfg);
        ForwardMode mode = ForwardMode.train(CounterRng.of(3, "drop"))
                .withSsMixup(new ForwardMode.SsMixup(0.1f, new float[] {0.2f, 0.9f, 0.5f, 0.35f}, 3));
        Result a = run(cpu, images, mode);
        Result b = run(ref, images, mode);
        for (int i = 0; i < a.logits.length; i++) {
            assertEquals(b.logits[i], a.logits[i], 1e-5 + 1e-5 * Math.abs(b.logits[i]), "logit " + i);
        }
        List<Parameter> ps = cpu.parameters().parameters();
        for (Parameter p : ps) {
            assertGradClose("cpu vs reference grad." + p.name(), ref.parameters().get(p.name()).grad().toArray(),
                    toDouble(p.grad().toArray()), 1e-5);
        }
        assertGradClose("cpu vs reference d images", b.dImages, toDouble(a.dImages), 1e-5);
    }

    @Test
    void gradientsDoNotDependOnTheThreadCount() {
        int before = Parallel.threads();
        VimConfig cfg = RANDOM.withOverrides(Map.of("drop_path_rate", 0.3));
        VisionMamba model = randomModel(cfg, Ops.cpu());
        Tensor images = VimTestSupport.randomImages(6, LABELS.length, cfg);
        ForwardMode mode = ForwardMode.train(CounterRng.of(8, "drop"))
                .withSsMixup(new ForwardMode.SsMixup(0.1f, new float[] {0.2f, 0.9f, 0.5f, 0.35f}, 2));
        try {
            List<Result> results = new ArrayList<>();
            for (int threads : new int[] {1, 3, 2}) {
                Parallel.setThreads(threads);
                results.add(run(model, images, mode));
            }
            for (Result r : results.subList(1, results.size())) {
                assertArrayEquals(results.get(0).logits, r.logits);
                assertArrayEquals(results.get(0).grads, r.grads, "parameter gradients");
                assertArrayEquals(results.get(0).dImages, r.dImages, "input gradient");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        VisionMamba model = randomModel(RANDOM, Ops.cpu());
        expect(() -> model.forward(Tensor.zeros(2, 14, 14), ForwardMode.eval()), "expected shape [B,2,14,14]", "[2, 14, 14]");
        expect(() -> model.forward(Tensor.zeros(2, 3, 14, 14), ForwardMode.eval()), "[B,2,14,14]", "[2, 3, 14, 14]");
        expect(() -> model.forward(Tensor.zeros(2, 2, 16, 16), ForwardMode.eval()), "[B,2,14,14]", "[2, 2, 16, 16]");
        expect(() -> model.forward(Tensor.zeros(0, 2, 14, 14), ForwardMode.eval()), "B >= 1", "[0, 2, 14, 14]");
        expect(() -> model.forward(Tensor.zeros(2, 2, 14, 14),
                ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0.1f, new float[] {0.5f}, 3))), "psi", "batch of 2");
        ImageClassifier.Pass pass = model.forward(Tensor.zeros(2, 2, 14, 14), ForwardMode.eval());
        expect(() -> model.backward(pass, Tensor.zeros(2, 6), null), "dLogits", "[2, 7]");
        expect(() -> model.backward(pass, Tensor.zeros(2, 7), Tensor.zeros(2, 2, 14, 13)), "dImages", "[2, 2, 14, 14]");
        VisionMamba other = randomModel(RANDOM, Ops.cpu());
        expect(() -> other.backward(pass, Tensor.zeros(2, 7), null), "pass", "this model");
        VisionMamba uni = new VisionMamba(RANDOM.withOverrides(Map.of("bimamba", "none")), Ops.cpu());
        expect(() -> uni.forward(Tensor.zeros(1, 2, 14, 14),
                ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup(0.1f, new float[] {0.5f}, 3))), "bimamba", "v2");
    }

    private static void expect(org.junit.jupiter.api.function.Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
    }

    /** One forward + cross-entropy + backward from zero gradients. */
    private record Result(float[] logits, double loss, float[] grads, float[] dImages) {}

    private static Result run(VisionMamba model, Tensor images, ForwardMode mode) {
        model.parameters().zeroGrads();
        ImageClassifier.Pass pass = model.forward(images, mode);
        CrossEntropyLoss.Result ce = new CrossEntropyLoss(Ops.cpu()).hardLabels(pass.logits(), LABELS);
        Tensor dImages = Tensor.zeros(images.shape());
        model.backward(pass, ce.dlogits(), dImages);
        return new Result(pass.logits().toArray(), ce.loss(), model.parameters().flatGrads().toArray(), dImages.toArray());
    }
}
