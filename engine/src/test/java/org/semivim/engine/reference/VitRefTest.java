package org.semivim.engine.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.models.VitInit;
import org.semivim.engine.testing.GradCheck;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class VitRefTest {
    private static final int BATCH = 2;

    /** img 8, patch 4 (4 patches), 2 channels, width 8, 2 blocks of 2 heads, MLP 16, 3 classes. */
    private static VitConfig tiny(String posEmbed, String pool, boolean classToken) {
        return new VitConfig(8, 4, 2, 8, 2, 2, 2.0, 3, classToken, VitConfig.PosEmbed.valueOf(posEmbed.toUpperCase()),
                0.0, 1e-6, VitConfig.GlobalPool.valueOf(pool.toUpperCase()));
    }

    @Test
    void gradientsOfTokenModelWithLearnedPositionsAndDropPath() {
        // block 0: sample 1's attention branch dropped; block 1: sample 0's MLP branch dropped (rate 0.2)
        double[][][] scales = {{{1.25, 0.0}, {1.25, 1.25}}, {{1.25, 1.25}, {0.0, 1.25}}};
        checkWholeModel(tiny("learned", "token", true), scales);
    }

    @Test
    void gradientsOfAveragePoolModelWithSinCosPositions() {
        checkWholeModel(tiny("sincos", "avg", true), null);
    }

    @Test
    void gradientsOfModelWithoutClassToken() {
        checkWholeModel(tiny("learned", "avg", false), null);
    }

    /**
     * loss = Σ r·logits. Checks ∂loss/∂images (every pixel) and every parameter (all elements of
     * small ones, 60 evenly spaced of larger ones) against central differences, in double.
     */
    private static void checkWholeModel(VitConfig cfg, double[][][] scales) {
        Map<String, double[]> p = jittered(cfg, 11);
        double[] images = GradCheck.randomWeights(12, BATCH * cfg.inChans() * cfg.imgSize() * cfg.imgSize());
        double[] r = GradCheck.randomWeights(13, BATCH * cfg.numClasses());
        VitRef.Forward f = VitRef.forward(cfg, p, images, BATCH, scales);
        Map<String, double[]> grads = zerosLike(p);
        double[] dImages = new double[images.length];
        VitRef.backward(cfg, p, f, r, grads, dImages);

        GradCheck.check("d images", images, dImages, x -> loss(cfg, p, x, r, scales), 1e-5, 1e-6, 1e-9, 1000);
        for (String name : p.keySet()) {
            double[] value = p.get(name);
            GradCheck.check("d " + name, value, grads.get(name), v -> loss(cfg, p, images, r, scales), 1e-5, 1e-6, 1e-9, 60);
        }
    }

    private static double loss(VitConfig cfg, Map<String, double[]> p, double[] images, double[] r, double[][][] scales) {
        double[] logits = VitRef.forward(cfg, p, images, BATCH, scales).logits();
        double s = 0;
        for (int i = 0; i < logits.length; i++) s += r[i] * logits[i];
        return s;
    }

    @Test
    void droppedBranchesRemoveTheBlocks() {
        VitConfig cfg = tiny("learned", "token", true);
        Map<String, double[]> p = jittered(cfg, 21);
        double[] images = GradCheck.randomWeights(22, BATCH * 2 * 8 * 8);
        double[][][] allDropped = new double[cfg.depth()][2][BATCH];
        VitRef.Forward f = VitRef.forward(cfg, p, images, BATCH, allDropped);
        Map<String, double[]> grads = zerosLike(p);
        VitRef.backward(cfg, p, f, GradCheck.randomWeights(23, BATCH * 3), grads, null);
        for (String name : grads.keySet()) {
            boolean inBlock = name.startsWith("blocks.");
            double norm = 0;
            for (double g : grads.get(name)) norm += Math.abs(g);
            if (inBlock) assertEquals(0.0, norm, name + " gets no gradient when every branch is dropped");
            else if (!name.equals("pos_embed") && !name.startsWith("patch_embed")) assertNotEquals(0.0, norm, name);
        }
        p.get("blocks.1.mlp.fc1.weight")[0] += 1.0; // blocks do not matter any more
        assertArrayEquals(f.logits(), VitRef.forward(cfg, p, images, BATCH, allDropped).logits(), 0.0);
    }

    /** Golden logits from the independent NumPy implementation in resources/vit-ref/vit_ref.py. */
    @Test
    void matchesIndependentNumpyForward() throws IOException {
        for (String name : List.of("vit-token-learned", "vit-avg-sincos", "vit-avg-nocls")) {
            Map<String, Object> doc = readJson("/vit-ref/" + name + ".json");
            @SuppressWarnings("unchecked") Map<String, Object> cfgMap = (Map<String, Object>) doc.get("config");
            VitConfig cfg = VitConfig.fromMap(cfgMap);
            @SuppressWarnings("unchecked") Map<String, List<Number>> params = (Map<String, List<Number>>) doc.get("params");
            Map<String, double[]> p = new LinkedHashMap<>();
            for (String key : cfg.parameterShapes().keySet()) p.put(key, doubles(params.get(key)));
            assertEquals(cfg.parameterShapes().keySet(), params.keySet(), name + ": parameter names");
            int batch = ((Number) doc.get("batch")).intValue();
            @SuppressWarnings("unchecked") double[] images = doubles((List<Number>) doc.get("images"));
            @SuppressWarnings("unchecked") double[] expected = doubles((List<Number>) doc.get("logits"));
            assertArrayEquals(expected, VitRef.forward(cfg, p, images, batch, null).logits(), 1e-12, name);
        }
    }

    @Test
    void sinCosTableMatchesMae() throws IOException {
        Map<String, Object> doc = readJson("/vit-ref/sincos-8-3-cls.json");
        @SuppressWarnings("unchecked") double[] expected = doubles((List<Number>) doc.get("table"));
        assertArrayEquals(expected, SinCosPositionEmbedding.table(8, 3, 1), 1e-15);
    }

    /** Initial values plus noise on every parameter, so that no LayerNorm weight is exactly 1 and no bias 0. */
    static Map<String, double[]> jittered(VitConfig cfg, long seed) {
        Map<String, double[]> p = VitInit.initialValues(cfg, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (double[] v : p.values()) for (int i = 0; i < v.length; i++) v[i] += rnd.nextDouble(-0.2, 0.2);
        return p;
    }

    static Map<String, double[]> zerosLike(Map<String, double[]> p) {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (var e : p.entrySet()) g.put(e.getKey(), new double[e.getValue().length]);
        return g;
    }

    static Map<String, Object> readJson(String resource) throws IOException {
        try (InputStream in = VitRefTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing test resource " + resource);
            @SuppressWarnings("unchecked") Map<String, Object> m = new ObjectMapper().readValue(in, Map.class);
            return m;
        }
    }

    static double[] doubles(List<Number> list) {
        double[] d = new double[list.size()];
        for (int i = 0; i < d.length; i++) d[i] = list.get(i).doubleValue();
        return d;
    }
}
