package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.param.ParameterSet;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VitInitTest {
    private final VitConfig cfg = VitConfig.preset("vit-fmnist-tiny");

    @Test
    void rulesPerParameter() {
        Map<String, double[]> v = VitInit.initialValues(cfg, 7);
        assertEquals(cfg.parameterShapes().keySet(), v.keySet());
        for (var e : v.entrySet()) {
            String n = e.getKey();
            double[] x = e.getValue();
            if (n.endsWith(".bias")) {
                for (double a : x) assertEquals(0.0, a, n);
            } else if (n.matches(".*norm\\d?\\.weight")) {
                for (double a : x) assertEquals(1.0, a, n);
            } else if (n.equals("cls_token") || n.equals("pos_embed")) {
                assertMoments(n, x, 0.0, 0.02);
            } else {
                int[] s = cfg.parameterShapes().get(n);
                int fanOut = s[0], fanIn = x.length / fanOut;
                double bound = Math.sqrt(6.0 / (fanIn + fanOut));
                for (double a : x) assertTrue(Math.abs(a) <= bound, n + " value " + a + " outside ±" + bound);
                assertMoments(n, x, 0.0, bound / Math.sqrt(3)); // U(±a) has std a/√3
            }
        }
    }

    @Test
    void patchEmbeddingUsesTheFlattenedKernelFans() {
        double[] w = VitInit.initialValues(cfg, 3).get("patch_embed.proj.weight"); // [64, 1, 4, 4] → fans 16 and 64
        double bound = Math.sqrt(6.0 / (16 + 64));
        double max = 0;
        for (double a : w) max = Math.max(max, Math.abs(a));
        assertTrue(max <= bound && max > 0.9 * bound, "max |w| " + max + " vs bound " + bound);
    }

    @Test
    void valuesDependOnSeedAndNameOnly() {
        Map<String, double[]> a = VitInit.initialValues(cfg, 5);
        VitConfig deeper = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "depth", 6));
        Map<String, double[]> b = VitInit.initialValues(deeper, 5);
        assertArrayEquals(a.get("blocks.2.attn.qkv.weight"), b.get("blocks.2.attn.qkv.weight"), 0.0);
        assertArrayEquals(a.get("cls_token"), b.get("cls_token"), 0.0);
        assertFalse(java.util.Arrays.equals(a.get("blocks.2.attn.qkv.weight"), a.get("blocks.3.attn.qkv.weight")));
        assertFalse(java.util.Arrays.equals(a.get("head.weight"), VitInit.initialValues(cfg, 6).get("head.weight")));
    }

    @Test
    void fillsAParameterSetInFloat() {
        ParameterSet.Builder builder = ParameterSet.builder();
        for (var e : cfg.parameterShapes().entrySet()) builder.declare(e.getKey(), e.getValue());
        ParameterSet params = builder.build();
        VitInit.initialize(cfg, params, 9);
        double[] expected = VitInit.initialValues(cfg, 9).get("blocks.1.mlp.fc2.weight");
        float[] actual = params.get("blocks.1.mlp.fc2.weight").value().toArray();
        for (int i = 0; i < expected.length; i++) assertEquals((float) expected[i], actual[i]);

        ParameterSet other = ParameterSet.builder().build();
        var e = assertThrows(IllegalArgumentException.class, () -> VitInit.initialize(cfg, other, 9));
        assertTrue(e.getMessage().contains("does not match the ViT layout"), e.getMessage());
    }

    private static void assertMoments(String name, double[] x, double mean, double std) {
        double s = 0, ss = 0;
        for (double a : x) {
            s += a;
            ss += a * a;
        }
        double m = s / x.length, sd = Math.sqrt(ss / x.length - m * m);
        double se = std / Math.sqrt(x.length);
        assertEquals(mean, m, 5 * se + 1e-12, name + " mean");
        assertEquals(std, sd, 0.1 * std + 5 * se, name + " std");
    }
}
