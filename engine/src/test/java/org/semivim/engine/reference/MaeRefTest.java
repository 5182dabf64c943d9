package org.semivim.engine.reference;

import org.junit.jupiter.api.Test;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.models.mae.MaeConfig;
import org.semivim.engine.models.mae.MaeInit;
import org.semivim.engine.testing.GradCheck;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference checks of the double MAE reference over every encoder and decoder parameter and the pixels. */
class MaeRefTest {
    private static final int BATCH = 2;
    /** Two permutations of the 9 patches; keep 4 (mask ratio 0.5). */
    static final int[][] SHUFFLE = {{4, 0, 8, 2, 7, 1, 3, 6, 5}, {1, 5, 0, 3, 8, 6, 2, 4, 7}};

    /** img 12, patch 4 (9 patches), 2 channels, width 8, 2 blocks of 2 heads, MLP 16, 3 classes; decoder 8 wide, 2 blocks, 2 heads. */
    static MaeConfig tiny(VitConfig.PosEmbed pos, boolean normPix) {
        VitConfig enc = new VitConfig(12, 4, 2, 8, 2, 2, 2.0, 3, true, pos, 0.0, 1e-6, VitConfig.GlobalPool.TOKEN);
        return new MaeConfig(enc, 8, 2, 2, 0.5, normPix);
    }

    @Test
    void gradientsWithLearnedPositionsAndPlainTarget() {
        checkWholeModel(tiny(VitConfig.PosEmbed.LEARNED, false));
    }

    @Test
    void gradientsWithSinCosPositionsAndNormPixTarget() {
        checkWholeModel(tiny(VitConfig.PosEmbed.SINCOS, true));
    }

    /** loss = the MAE loss; every parameter (all elements of small ones, 60 evenly spaced of larger ones) and every pixel. */
    private static void checkWholeModel(MaeConfig cfg) {
        Map<String, double[]> p = jittered(cfg, 31);
        double[] images = GradCheck.randomWeights(32, BATCH * 2 * 12 * 12);
        MaeRef.Forward f = MaeRef.forward(cfg, p, images, BATCH, SHUFFLE);
        assertTrue(f.loss() > 0);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (var e : p.entrySet()) grads.put(e.getKey(), new double[e.getValue().length]);
        double[] dImages = new double[images.length];
        MaeRef.backward(cfg, p, f, grads, dImages);

        double[] fixedTarget = images.clone();
        GradCheck.check("d images", images, dImages, x -> MaeRef.forward(cfg, p, x, BATCH, SHUFFLE, fixedTarget).loss(), 1e-5, 1e-6, 1e-9, 300);
        int nonZero = 0;
        for (String name : p.keySet()) {
            GradCheck.check("d " + name, p.get(name), grads.get(name), v -> MaeRef.forward(cfg, p, images, BATCH, SHUFFLE).loss(),
                    1e-5, 1e-6, 1e-9, 60);
            double max = 0;
            for (double g : grads.get(name)) max = Math.max(max, Math.abs(g));
            if (max > 0) nonZero++;
            else assertTrue(name.startsWith("head."), "only the classifier head is outside the MAE loss, but d" + name + " = 0");
        }
        assertEquals(p.size() - 2, nonZero, "every parameter but head.weight/head.bias reaches the loss");
    }

    @Test
    void onlyMaskedPatchesCount() {
        MaeConfig cfg = tiny(VitConfig.PosEmbed.LEARNED, false);
        Map<String, double[]> p = jittered(cfg, 41);
        double[] images = GradCheck.randomWeights(42, BATCH * 2 * 12 * 12);
        MaeRef.Forward f = MaeRef.forward(cfg, p, images, BATCH, SHUFFLE);
        double sum = 0;
        int masked = 0;
        int pp = cfg.patchPixels();
        for (int b = 0; b < BATCH; b++) {
            for (int r = cfg.keepCount(); r < 9; r++) {        // ranks ≥ K are masked
                int q = SHUFFLE[b][r];
                double sq = 0;
                for (int i = 0; i < pp; i++) {
                    double dlt = f.pred()[(b * 9 + q) * pp + i] - f.target()[(b * 9 + q) * pp + i];
                    sq += dlt * dlt;
                }
                sum += sq / pp;
                masked++;
            }
        }
        assertEquals(10, masked);
        assertEquals(sum / masked, f.loss(), 1e-12);
    }

    static Map<String, double[]> jittered(MaeConfig cfg, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, double[]> p = new LinkedHashMap<>();
        for (var e : cfg.parameterShapes().entrySet()) {
            double[] v = MaeInit.initialValue(e.getKey(), e.getValue(), 7);
            for (int i = 0; i < v.length; i++) v[i] += rnd.nextDouble(-0.1, 0.1);
            p.put(e.getKey(), v);
        }
        return p;
    }
}
