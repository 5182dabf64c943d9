package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.testing.VimGoldenFixture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VimParametersTest {

    @Test
    void officialParameterCounts() {
        // vim-spec.md §7: exact counts of the hustvl/Vim models
        assertEquals(7_148_008, VimParameters.parameterSet(VimConfig.preset("vim-tiny")).count());
        assertEquals(25_796_584, VimParameters.parameterSet(VimConfig.preset("vim-small")).count());
        assertEquals(97_598_440, VimParameters.parameterSet(VimConfig.preset("vim-base")).count());
        assertEquals(7_250_344, VimParameters.count(VimConfig.preset("vim-tiny").withOverrides(Map.of("stride", 8))));
        assertEquals(26_001_256, VimParameters.count(VimConfig.preset("vim-small").withOverrides(Map.of("stride", 8))));
        assertEquals(168_138, VimParameters.count(VimConfig.preset("vim-fmnist-tiny")));
        assertEquals(818_826, VimParameters.count(VimConfig.preset("vim-fmnist-small")));
    }

    @Test
    void tinyKeyOrderIsTheStateDictOrder() {
        ParameterSet ps = VimParameters.parameterSet(VimConfig.preset("vim-tiny"));
        List<String> names = new ArrayList<>(ps.names());
        assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                "head.weight", "head.bias"), names.subList(0, 6));
        List<String> layer = new ArrayList<>();
        for (String leaf : List.of("mixer.A_log", "mixer.D", "mixer.A_b_log", "mixer.D_b", "mixer.in_proj.weight",
                "mixer.conv1d.weight", "mixer.conv1d.bias", "mixer.x_proj.weight", "mixer.dt_proj.weight",
                "mixer.dt_proj.bias", "mixer.conv1d_b.weight", "mixer.conv1d_b.bias", "mixer.x_proj_b.weight",
                "mixer.dt_proj_b.weight", "mixer.dt_proj_b.bias", "mixer.out_proj.weight", "norm.weight")) {
            layer.add("layers.7." + leaf);
        }
        assertEquals(layer, names.subList(6 + 7 * 17, 6 + 8 * 17));
        assertEquals("norm_f.weight", names.get(names.size() - 1));
        assertEquals(6 + 24 * 17 + 1, names.size());
        // shapes of vim-spec.md §6, Ti column
        assertArrayEquals(new int[] {1, 197, 192}, ps.get("pos_embed").shape());
        assertArrayEquals(new int[] {192, 3, 16, 16}, ps.get("patch_embed.proj.weight").shape());
        assertArrayEquals(new int[] {1000, 192}, ps.get("head.weight").shape());
        assertArrayEquals(new int[] {384, 16}, ps.get("layers.0.mixer.A_b_log").shape());
        assertArrayEquals(new int[] {768, 192}, ps.get("layers.0.mixer.in_proj.weight").shape());
        assertArrayEquals(new int[] {384, 1, 4}, ps.get("layers.0.mixer.conv1d_b.weight").shape());
        assertArrayEquals(new int[] {44, 384}, ps.get("layers.0.mixer.x_proj.weight").shape());
        assertArrayEquals(new int[] {384, 12}, ps.get("layers.0.mixer.dt_proj_b.weight").shape());
        assertArrayEquals(new int[] {192, 384}, ps.get("layers.23.mixer.out_proj.weight").shape());
    }

    @Test
    void keysAndShapesMatchEveryFixture() {
        for (String dir : List.of("vim-ref", "vim-ref-head-stride", "vim-ref-none-mean", "vim-ref-uni-middle", "vim-ref-none-last")) {
            VimGoldenFixture fx = VimGoldenFixture.load(dir);
            List<String> expected = fx.names("param");
            List<Parameter> params = VimParameters.parameterSet(fx.config).parameters();
            assertEquals(expected, params.stream().map(Parameter::name).toList(), dir);
            for (Parameter p : params) assertArrayEquals(fx.shape(p.name()), p.shape(), dir + " " + p.name());
        }
    }

    @Test
    void weightDecayFollowsTimm() {
        ParameterSet ps = VimParameters.parameterSet(VimConfig.preset("vim-fmnist-tiny"));
        for (String n : List.of("cls_token", "pos_embed", "patch_embed.proj.bias", "head.bias", "layers.0.mixer.D",
                "layers.0.mixer.D_b", "layers.0.mixer.conv1d.bias", "layers.0.mixer.dt_proj_b.bias", "layers.1.norm.weight",
                "norm_f.weight")) {
            assertFalse(ps.get(n).weightDecay(), n);
        }
        for (String n : List.of("patch_embed.proj.weight", "head.weight", "layers.0.mixer.A_log", "layers.0.mixer.A_b_log",
                "layers.0.mixer.in_proj.weight", "layers.0.mixer.conv1d.weight", "layers.3.mixer.out_proj.weight")) {
            assertTrue(ps.get(n).weightDecay(), n);
        }
    }

    @Test
    void specsAgreeWithCount() {
        VimConfig c = VimConfig.preset("vim-fmnist-small");
        long sum = VimParameters.specs(c).stream().mapToLong(s -> Arrays.stream(s.shape()).asLongStream().reduce(1, (a, b) -> a * b)).sum();
        assertEquals(sum, VimParameters.count(c));
        assertEquals(sum, VimParameters.parameterSet(c).count());
    }
}
