package org.semivim.engine.models.arm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.ArmRef;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.GradCheck;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArmModelTest {
    private static final int B = 2;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Tiny: 2 channels, 6 px + 1 px pad = 8 px, patch 2 → 4×4 tokens, clusters of 2×2 → 4 clusters,
     * N = 12; D 8, depth 3 (feature layers 2, 2, 3, 3), d_state 2, d_conv 3; decoder 8 wide, 2 blocks of 2 heads.
     */
    static ArmConfig tiny() {
        VimConfig t = new VimConfig(6, 2, 0, 2, 8, 3, 2, 2, 3, 0, 3, VimConfig.ClsMode.MIDDLE, VimConfig.FinalPool.MEAN,
                VimConfig.Bimamba.V2, true, 1e-5, 0.0);
        return new ArmConfig(t, 1, -0.5, 2, 8, 2, 4, 2.0);
    }

    @Test
    void fashionMnistLayoutFollowsTheSpec() {
        ArmConfig c = ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-small"));
        assertEquals(32, c.paddedSize());
        assertEquals(8, c.grid());
        assertEquals(16, c.clusters());
        assertEquals(4, c.tokensPerCluster());
        assertEquals(60, c.sequenceLength());
        assertArrayEquals(new int[]{3, 4, 5, 6}, c.featureLayers());
        assertArrayEquals(new int[]{2, 3, 3, 4}, ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-tiny")).featureLayers());
        assertArrayEquals(new int[]{12, 16, 20, 24}, ArmConfig.fashionMnist(VimConfig.preset("vim-tiny").withOverrides(Map.of("img_size", 28,
                "patch_size", 4))).featureLayers());
        int[] order = c.clusterOrder();
        // cluster 0 = patches (0,0) (0,1) (1,0) (1,1); cluster 1 starts at column 2; cluster 4 starts at row 2
        assertArrayEquals(new int[]{0, 1, 8, 9, 2, 3, 10, 11}, Arrays.copyOf(order, 8));
        assertEquals(16, order[16]);
        assertEquals(63, order[63]);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 64; i++) assertEquals(i, sorted[i]);
        assertEquals(VimConfig.Bimamba.NONE, c.encoderConfig().bimamba());
        assertEquals(VimConfig.ClsMode.NONE, c.encoderConfig().clsMode());
    }

    @Test
    void badConfigsAreRejected() {
        VimConfig t = VimConfig.preset("vim-fmnist-tiny");
        assertThrows(IllegalArgumentException.class, () -> new ArmConfig(t, 1, 0, 2, 64, 2, 32, 4));       // 30 px: not patch-aligned
        assertThrows(IllegalArgumentException.class, () -> new ArmConfig(t, 2, 0, 3, 64, 2, 32, 4));       // 8 tokens, cluster 3
        assertThrows(IllegalArgumentException.class, () -> new ArmConfig(t, 2, 0, 2, 64, 2, 24, 4));       // head dim
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ArmConfig(t.withOverrides(Map.of("bimamba", "none")), 2, 0, 2, 64, 2, 32, 4));
        assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
    }

    /** Every encoder tensor has a namesake of the same shape in the target ViM; none of the _b twins is in the encoder. */
    @Test
    void encoderParametersAreViMParametersByName() {
        ArmConfig cfg = ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-tiny"));
        ArmModel arm = new ArmModel(cfg, Ops.cpu());
        ParameterSet vim = new VisionMamba(cfg.target(), Ops.cpu()).parameters();
        List<String> enc = arm.encoderParameterNames();
        assertEquals(2 + 4 * (9 + 1), enc.size());         // patch embed; per layer A_log D in_proj conv1d×2 x_proj dt_proj×2 out_proj, norm
        for (String name : enc) {
            assertTrue(vim.contains(name), name);
            assertArrayEquals(vim.get(name).shape(), arm.parameters().get(name).shape(), name);
            assertTrue(!name.contains("_b"), name);
        }
        assertTrue(arm.parameters().contains("dec_block.1.attn2.kv.weight"));
        assertTrue(arm.parameters().contains("norm_4.bias"));
        assertTrue(!arm.parameters().get("ar_token").weightDecay());
    }

    @Test
    void encoderInitialisationIsTheViMInitialisation() {
        ArmConfig cfg = tiny();
        ArmModel arm = new ArmModel(cfg, Ops.cpu());
        arm.initialize(42);
        VisionMamba vim = new VisionMamba(cfg.encoderConfig(), Ops.cpu());
        vim.initialize(42);
        for (String name : arm.encoderParameterNames()) {
            assertArrayEquals(vim.parameters().get(name).value().toArray(), arm.parameters().get(name).value().toArray(), name);
        }
        ArmModel again = new ArmModel(cfg, Ops.cpu());
        again.initialize(42);
        assertArrayEquals(arm.parameters().flatValues().toArray(), again.parameters().flatValues().toArray());
        again.initialize(43);
        assertNotEquals(Arrays.hashCode(arm.parameters().flatValues().toArray()), Arrays.hashCode(again.parameters().flatValues().toArray()));
        assertEquals(0f, arm.parameters().get("dec_block.0.attn2.q.bias").value().get(0));
        assertEquals(1f, arm.parameters().get("dec_block.0.norm2.weight").value().get(0));
    }

    /** The double reference's backward against central differences, over every parameter tensor. */
    @Test
    void referenceGradientMatchesFiniteDifferences() {
        ArmConfig cfg = tiny();
        Map<String, double[]> p = jitteredParameters(cfg, 3);
        double[] image = doubles(random(4, 1f, B, 2, 6, 6).toArray());
        ArmRef.Forward f = ArmRef.forward(cfg, p, image, B);
        Map<String, double[]> g = ArmRef.backward(cfg, p, f);
        for (var e : p.entrySet()) {
            GradCheck.check("arm " + e.getKey(), e.getValue(), g.get(e.getKey()), x -> ArmRef.forward(cfg, p, image, B).loss,
                    1e-5, 1e-6, 1e-9, 6);
            if (!e.getKey().endsWith(".bias") && !e.getKey().startsWith("norm_")) {
                assertTrue(maxAbs(g.get(e.getKey())) > 0, "gradient of " + e.getKey() + " is identically 0");
            }
        }
    }

    /**
     * The float model on both backends against ArmRef with the same float parameters. Tolerance
     * 2e-5 of each tensor's max-abs: float rounding (6e-8) compounds through ~60 float ops
     * (LayerNorm and norm_pix divide by small spreads); an index error or missing term is O(1).
     */
    @Test
    void floatModelMatchesDoubleReference() {
        ArmConfig cfg = tiny();
        for (Ops ops : new Ops[]{Ops.cpu(), Ops.reference()}) {
            ArmModel model = new ArmModel(cfg, ops);
            model.initialize(5);
            jitter(model.parameters(), 6);
            Tensor images = random(7, 1f, B, 2, 6, 6);
            ArmModel.Pass pass = model.forward(images);
            model.backward(pass);
            Map<String, double[]> p = new LinkedHashMap<>();
            for (Parameter q : model.parameters().parameters()) p.put(q.name(), doubles(q.value().toArray()));
            ArmRef.Forward f = ArmRef.forward(cfg, p, doubles(images.toArray()), B);
            Map<String, double[]> g = ArmRef.backward(cfg, p, f);
            assertEquals(f.loss, pass.loss(), 2e-5 * Math.abs(f.loss), ops + " loss");
            for (Parameter q : model.parameters().parameters()) assertClose(ops + " d" + q.name(), g.get(q.name()), q.grad().toArray(), 2e-5);
        }
    }

    /** Backward accumulates: a second backward on the same pass doubles every gradient. */
    @Test
    void backwardAccumulates() {
        ArmModel model = new ArmModel(tiny(), Ops.cpu());
        model.initialize(8);
        ArmModel.Pass pass = model.forward(random(9, 1f, B, 2, 6, 6));
        model.backward(pass);
        float[] once = model.parameters().flatGrads().toArray();
        model.backward(pass);
        float[] twice = model.parameters().flatGrads().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5f * Math.max(1f, Math.abs(once[i])), "element " + i);
    }

    /**
     * Causality (block-causal mask and forward-only encoder): the prediction for cluster k+1 does not
     * depend on the pixels of clusters ≥ k+1. Changing cluster 3 (1-based; padded pixels 4..7 × 0..3)
     * leaves the predictions of clusters 2 and 3 (sequence positions 0..7) bit-identical and changes cluster 4's.
     */
    @Test
    void predictionsSeeOnlyEarlierClusters() {
        ArmConfig cfg = tiny();
        ArmModel model = new ArmModel(cfg, Ops.cpu());
        model.initialize(10);
        Tensor images = random(11, 1f, B, 2, 6, 6);
        float[] before = model.forward(images).pred().toArray();
        Tensor changed = images.copy();
        for (int y = 0; y < 3; y++) for (int x = 3; x < 6; x++) changed.set((0 * 2 + 1) * 36 + y * 6 + x, 3f);   // sample 0, ch 1, image px → padded px (y+1, x+1)
        float[] after = model.forward(changed).pred().toArray();
        int pp = cfg.patchPixels(), n = cfg.sequenceLength();
        for (int i = 0; i < 4 * pp; i++) assertEquals(before[i], after[i], "cluster 2, element " + i);
        boolean changedLater = false;
        for (int i = 8 * pp; i < n * pp; i++) changedLater |= before[i] != after[i];
        assertTrue(changedLater, "cluster 4 should see cluster 3");
        for (int i = n * pp; i < 2 * n * pp; i++) assertEquals(before[i], after[i], "sample 1 is untouched");
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        ArmConfig cfg = ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-tiny"));
        ArmModel model = new ArmModel(cfg, Ops.cpu());
        model.initialize(12);
        Tensor images = random(13, 1f, 3, 1, 28, 28);
        Parallel.setThreads(1);
        ArmModel.Pass one = model.forward(images);
        model.backward(one);
        float[] g1 = model.parameters().flatGrads().toArray();
        model.parameters().zeroGrads();
        Parallel.setThreads(3);
        ArmModel.Pass three = model.forward(images);
        model.backward(three);
        assertEquals(one.loss(), three.loss());
        assertArrayEquals(g1, model.parameters().flatGrads().toArray());
        assertTrue(Double.isFinite(one.loss()) && one.loss() > 0.1, "loss " + one.loss());
    }

    @Test
    void wrongImageShapeIsRejected() {
        ArmModel model = new ArmModel(tiny(), Ops.cpu());
        var e = assertThrows(IllegalArgumentException.class, () -> model.forward(Tensor.zeros(1, 2, 8, 8)));
        assertTrue(e.getMessage().contains("[B,2,6,6]"), e.getMessage());
    }

    private static Map<String, double[]> jitteredParameters(ArmConfig cfg, long seed) {
        ArmModel m = new ArmModel(cfg, Ops.reference());
        m.initialize(seed);
        jitter(m.parameters(), seed + 100);
        Map<String, double[]> p = new LinkedHashMap<>();
        for (Parameter q : m.parameters().parameters()) p.put(q.name(), doubles(q.value().toArray()));
        return p;
    }

    /** Moves every value a little so that no gradient is zero by symmetry (zero biases, unit norms). */
    static void jitter(ParameterSet params, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = params.flatValues().data;
        for (int i = 0; i < v.length; i++) v[i] += (float) rnd.nextDouble(-0.1, 0.1);
    }

    static Tensor random(long seed, float scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.set(i, (float) rnd.nextDouble(-scale, scale));
        return t;
    }

    private static double[] doubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static void assertClose(String what, double[] expected, float[] actual, double relTol) {
        double scale = maxAbs(expected);
        double tol = relTol * Math.max(scale, 1e-12);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol) {
                throw new AssertionError(what + " element " + i + ": reference " + expected[i] + " vs float " + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
