package org.semivim.engine.models;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statistical checks of every initialisation rule of vim-spec.md §8 on Vim-Ti (7.1 M values), where
 * the tensors are large: means, variances and tail shares must lie within 5 standard errors of
 * their expected values (fixed seed, so the test is deterministic; 5 SE keeps it from depending on
 * a lucky seed).
 */
class VimInitTest {
    private static final VimConfig TI = VimConfig.preset("vim-tiny");
    private static ParameterSet ps;

    @BeforeAll
    static void init() {
        ps = VimParameters.parameterSet(TI);
        VimInit.initialize(TI, ps, 42);
    }

    @Test
    void truncatedNormalsUseAbsoluteBounds() {
        for (String n : new String[] {"cls_token", "pos_embed", "head.weight"}) assertNormal(n, 0.02);
        double lecun = Math.sqrt(1.0 / (3 * 16 * 16)) / 0.87962566103423978;
        assertNormal("patch_embed.proj.weight", lecun);
    }

    @Test
    void constantTensors() {
        for (Parameter p : ps.parameters()) {
            String n = p.name();
            float[] v = p.value().toArray();
            if (n.equals("patch_embed.proj.bias") || n.equals("head.bias") || n.endsWith("dt_proj_b.bias")) {
                for (float x : v) assertEquals(0f, x, n);
            } else if (n.endsWith("norm.weight") || n.equals("norm_f.weight") || n.endsWith(".D") || n.endsWith(".D_b")) {
                for (float x : v) assertEquals(1f, x, n);
            } else if (n.endsWith("A_log") || n.endsWith("A_b_log")) {
                int ns = TI.dState();
                for (int i = 0; i < v.length; i++) assertEquals((float) Math.log(i % ns + 1), v[i], n + "[" + i + "]");
            }
        }
    }

    @Test
    void uniformTensors() {
        double d = TI.embedDim(), e = TI.dInner(), r = TI.resolvedDtRank(), k = TI.dConv();
        for (int layer : new int[] {0, 11, 23}) {
            String m = VimParameters.mixerPrefix(layer);
            assertUniform(m + "in_proj.weight", 1 / Math.sqrt(d));
            for (String s : new String[] {"", "_b"}) {
                assertUniform(m + "conv1d" + s + ".weight", 1 / Math.sqrt(k));
                assertUniform(m + "x_proj" + s + ".weight", 1 / Math.sqrt(e));
                assertUniform(m + "dt_proj" + s + ".weight", 1 / Math.sqrt(r));
            }
            assertUniform(m + "out_proj.weight", 1 / Math.sqrt(e) / Math.sqrt(TI.depth()));
        }
        // conv biases (384 values each): pool the 24 layers
        float[] pooled = new float[2 * TI.depth() * TI.dInner()];
        int at = 0;
        for (int layer = 0; layer < TI.depth(); layer++) {
            for (String s : new String[] {"conv1d.bias", "conv1d_b.bias"}) {
                float[] v = ps.get(VimParameters.mixerPrefix(layer) + s).value().toArray();
                System.arraycopy(v, 0, pooled, at, v.length);
                at += v.length;
            }
        }
        assertUniform("conv biases", pooled, 0.5);
    }

    @Test
    void dtBiasIsInverseSoftplusOfLogUniformDt() {
        int n = 0;
        double sumLog = 0, sumLog2 = 0;
        for (int layer = 0; layer < TI.depth(); layer++) {
            for (float b : ps.get(VimParameters.mixerPrefix(layer) + "dt_proj.bias").value().toArray()) {
                double dt = Math.log1p(Math.exp(b));                 // softplus
                assertTrue(dt >= 1e-3 * (1 - 1e-6) && dt <= 0.1 * (1 + 1e-6), "dt " + dt + " outside [1e-3, 0.1]");
                sumLog += Math.log(dt);
                sumLog2 += Math.log(dt) * Math.log(dt);
                n++;
            }
        }
        // log dt ~ U[ln 1e-3, ln 0.1]: mean ln 0.01, variance (ln 100)²/12
        double mean = sumLog / n, var = sumLog2 / n - mean * mean, width = Math.log(100);
        assertEquals(Math.log(0.01), mean, 5 * width / Math.sqrt(12 * n));
        assertEquals(width * width / 12, var, 0.05 * width * width / 12);
        assertEquals(0.5, VimInit.inverseSoftplus(Math.log1p(Math.exp(0.5))), 1e-12);
    }

    @Test
    void reproduciblePerNameAndSeed() {
        ParameterSet again = VimParameters.parameterSet(TI);
        VimInit.initialize(TI, again, 42);
        assertArrayEquals(ps.flatValues().toArray(), again.flatValues().toArray());
        ParameterSet other = VimParameters.parameterSet(TI);
        VimInit.initialize(TI, other, 43);
        assertFalse(java.util.Arrays.equals(ps.get("head.weight").value().toArray(), other.get("head.weight").value().toArray()));
        // one stream per name: layers differ, and a tensor does not depend on what else the model holds
        assertFalse(java.util.Arrays.equals(ps.get("layers.0.mixer.in_proj.weight").value().toArray(),
                ps.get("layers.1.mixer.in_proj.weight").value().toArray()));
        VimConfig shallow = TI.withOverrides(Map.of("depth", 2, "num_classes", 10));
        ParameterSet small = VimParameters.parameterSet(shallow);
        VimInit.initialize(shallow, small, 42);
        assertArrayEquals(ps.get("layers.1.mixer.x_proj_b.weight").value().toArray(),
                small.get("layers.1.mixer.x_proj_b.weight").value().toArray());
    }

    @Test
    void rejectsAParameterSetOfAnotherConfig() {
        ParameterSet wrong = VimParameters.parameterSet(VimConfig.preset("vim-fmnist-tiny"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VimInit.initialize(TI, wrong, 1));
        assertTrue(e.getMessage().contains("tensors") || e.getMessage().contains("needs"), e.getMessage());
    }

    private static void assertNormal(String name, double std) {
        float[] v = ps.get(name).value().toArray();
        double mean = 0, sq = 0;
        int beyond2Sigma = 0;
        for (float x : v) {
            assertTrue(x >= -2 && x <= 2, name + " value " + x + " outside the absolute bounds [-2, 2]");
            mean += x;
            sq += (double) x * x;
            if (Math.abs(x) > 2 * std) beyond2Sigma++;
        }
        mean /= v.length;
        double var = sq / v.length - mean * mean;
        assertEquals(0, mean, 5 * std / Math.sqrt(v.length), name + " mean");
        assertEquals(std * std, var, 5 * std * std * Math.sqrt(2.0 / v.length), name + " variance");
        // timm 0.4.12 cuts at ±2 absolute, i.e. effectively not at all; a ±2σ cut would leave none out here
        double tail = 0.0455;
        assertEquals(tail, (double) beyond2Sigma / v.length, 5 * Math.sqrt(tail * (1 - tail) / v.length), name + " share beyond 2σ");
        assertTrue(beyond2Sigma > 0 || v.length < 100, name + ": no value beyond 2σ");
    }

    private static void assertUniform(String name, double bound) {
        assertUniform(name, ps.get(name).value().toArray(), bound);
    }

    private static void assertUniform(String name, float[] v, double bound) {
        double mean = 0, sq = 0, max = 0;
        float b = (float) bound;
        for (float x : v) {
            assertTrue(x >= -b && x <= b, name + " value " + x + " outside ±" + bound);
            mean += x;
            sq += (double) x * x;
            max = Math.max(max, Math.abs(x));
        }
        mean /= v.length;
        double var = sq / v.length - mean * mean, expectedVar = bound * bound / 3;
        assertEquals(0, mean, 5 * Math.sqrt(expectedVar / v.length), name + " mean");
        // Var(x²) = b⁴/5 − b⁴/9 for x ~ U(±b)
        assertEquals(expectedVar, var, 5 * bound * bound * Math.sqrt(4.0 / 45 / v.length), name + " variance");
        assertTrue(max > 0.99 * bound, name + " max |value| " + max + " should reach the bound " + bound);
    }
}
