package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.testing.VimGoldenFixture;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VimConfigTest {

    @Test
    void officialPresetsHaveTheSpecSizes() {
        VimConfig ti = VimConfig.preset("vim-tiny");
        assertEquals(14, ti.grid());
        assertEquals(196, ti.numPatches());
        assertEquals(197, ti.seqLen());
        assertEquals(98, ti.clsIndex());
        assertEquals(384, ti.dInner());
        assertEquals(12, ti.resolvedDtRank());
        assertEquals(16, ti.patchStride());
        assertEquals(768, ti.patchDim());
        assertEquals(24, VimConfig.preset("vim-small").resolvedDtRank());
        assertEquals(48, VimConfig.preset("vim-base").resolvedDtRank());
        assertEquals(1536, VimConfig.preset("vim-base").dInner());
        assertEquals(0.05, VimConfig.preset("vim-small").dropPathRate());
        assertEquals(VimConfig.DEFAULTS, ti, "vim_ref.py defaults are Vim-Ti");
    }

    @Test
    void fashionMnistPresets() {
        VimConfig t = VimConfig.preset("vim-fmnist-tiny");
        assertEquals(List.of(28, 1, 10, 4, 7, 49, 50, 24, 64, 4), List.of(t.imgSize(), t.inChans(), t.numClasses(),
                t.patchSize(), t.grid(), t.numPatches(), t.seqLen(), t.clsIndex(), t.embedDim(), t.depth()));
        VimConfig s = VimConfig.preset("vim-fmnist-small");
        assertEquals(List.of(49, 128, 6, 8), List.of(s.numPatches(), s.embedDim(), s.depth(), s.resolvedDtRank()));
        assertEquals(List.of("vim-tiny", "vim-small", "vim-base", "vim-fmnist-tiny", "vim-fmnist-small"), VimConfig.presetNames());
    }

    @Test
    void unknownPresetListsTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VimConfig.preset("vim-huge"));
        assertTrue(e.getMessage().contains("vim-huge") && e.getMessage().contains("vim-fmnist-tiny")
                && e.getMessage().contains("vim-base"), e.getMessage());
    }

    @Test
    void derivedSizesOfOtherModes() {
        VimConfig stride8 = VimConfig.preset("vim-tiny").withOverrides(Map.of("stride", 8));
        assertEquals(27, stride8.grid());
        assertEquals(364, stride8.clsIndex());
        assertEquals(730, stride8.seqLen());
        VimConfig head = VimConfig.fromMap(Map.of("img_size", 17, "patch_size", 6, "stride", 5, "cls_mode", "head"));
        assertEquals(3, head.grid(), "floor((17 - 6) / 5) + 1");
        assertEquals(0, head.clsIndex());
        assertEquals(10, head.seqLen());
        VimConfig none = VimConfig.fromMap(Map.of("cls_mode", "none", "final_pool", "last", "dt_rank", 5));
        assertEquals(-1, none.clsIndex());
        assertFalse(none.hasClsToken());
        assertEquals(196, none.seqLen());
        assertEquals(5, none.resolvedDtRank());
        assertEquals(VimConfig.FinalPool.LAST, none.finalPool());
        assertEquals(3, VimConfig.fromMap(Map.of("embed_dim", 33)).resolvedDtRank(), "ceil(33 / 16)");
    }

    @Test
    void fixtureManifestConfigsParse() {
        VimConfig c = VimGoldenFixture.load("vim-ref").config;
        assertEquals(c.grid(), VimGoldenFixture.load("vim-ref").manifest.get("derived").get("grid").asInt());
        for (String dir : List.of("vim-ref", "vim-ref-head-stride", "vim-ref-none-mean", "vim-ref-uni-middle", "vim-ref-none-last")) {
            VimGoldenFixture fx = VimGoldenFixture.load(dir);
            var d = fx.manifest.get("derived");
            VimConfig k = fx.config;
            assertEquals(d.get("grid").asInt(), k.grid(), dir);
            assertEquals(d.get("num_patches").asInt(), k.numPatches(), dir);
            assertEquals(d.get("seq_len").asInt(), k.seqLen(), dir);
            assertEquals(d.get("cls_index").isNull() ? -1 : d.get("cls_index").asInt(), k.clsIndex(), dir);
            assertEquals(d.get("d_inner").asInt(), k.dInner(), dir);
            assertEquals(d.get("dt_rank").asInt(), k.resolvedDtRank(), dir);
            assertEquals(d.get("patch_stride").asInt(), k.patchStride(), dir);
            assertEquals(fx.manifest.get("param_count").asLong(), VimParameters.count(k), dir);
        }
    }

    @Test
    void mapAndJsonRoundTrip() {
        for (String name : VimConfig.presetNames()) {
            VimConfig c = VimConfig.preset(name);
            assertEquals(c, VimConfig.fromMap(c.toMap()), name);
            assertEquals(c, VimConfig.fromJson(c.toJson()), name);
            assertEquals(VimConfig.KEYS, List.copyOf(c.toMap().keySet()));
        }
        VimConfig j = VimConfig.fromJson("{\"embed_dim\": 32, \"depth\": 2, \"cls_mode\": \"head\", \"bimamba\": \"none\","
                + " \"divide_out\": false, \"norm_eps\": 1e-6, \"drop_path_rate\": 0.1}");
        assertEquals(32, j.embedDim());
        assertEquals(VimConfig.ClsMode.HEAD, j.clsMode());
        assertEquals(VimConfig.Bimamba.NONE, j.bimamba());
        assertFalse(j.divideOut());
        assertEquals(1e-6, j.normEps());
        assertEquals(0.1, j.dropPathRate());
        assertEquals(224, j.imgSize(), "missing keys keep the defaults");
    }

    @Test
    void unknownKeysAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VimConfig.fromMap(Map.of("embed_dimm", 32)));
        assertTrue(e.getMessage().contains("'embed_dimm'") && e.getMessage().contains("embed_dim"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VimConfig.fromJson("{\"rms_norm\": true}"));
        assertThrows(IllegalArgumentException.class, () -> VimConfig.fromJson("[1, 2]"));
    }

    @Test
    void badValuesNameTheKeyAndTheAllowedValues() {
        expectError(Map.of("cls_mode", "tail"), "cls_mode", "middle|head|none");
        expectError(Map.of("final_pool", "max"), "final_pool", "mean|last");
        expectError(Map.of("bimamba", "v1"), "bimamba", "v2|none");
        expectError(Map.of("patch_size", 300), "patch_size", "img_size = 224");
        expectError(Map.of("patch_size", 0), "patch_size", "[1,");
        expectError(Map.of("depth", 0), "depth", ">= 1");
        expectError(Map.of("embed_dim", -4), "embed_dim", ">= 1");
        expectError(Map.of("stride", -1), "stride", ">= 0");
        expectError(Map.of("dt_rank", -1), "dt_rank", ">= 0");
        expectError(Map.of("d_state", 0), "d_state", ">= 1");
        expectError(Map.of("num_classes", 0), "num_classes", ">= 1");
        expectError(Map.of("norm_eps", 0.0), "norm_eps", "> 0");
        expectError(Map.of("drop_path_rate", 1.0), "drop_path_rate", "[0, 1)");
        expectError(Map.of("drop_path_rate", -0.1), "drop_path_rate", "[0, 1)");
        expectError(Map.of("depth", 2.5), "depth", "integer");
        expectError(Map.of("depth", "24"), "depth", "integer");
        expectError(Map.of("divide_out", "yes"), "divide_out", "true or false");
        expectError(Map.of("norm_eps", "small"), "norm_eps", "number");
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("cls_mode", null);
        expectError(nullValue, "cls_mode", "middle|head|none");
        assertEquals(24, VimConfig.fromMap(Map.of("depth", 24.0)).depth(), "an integral double is an integer");
        assertEquals(24, VimConfig.fromMap(Map.of("depth", 24L)).depth());
        assertEquals(VimConfig.ClsMode.HEAD, VimConfig.fromMap(Map.of("cls_mode", VimConfig.ClsMode.HEAD)).clsMode());
    }

    @Test
    void mixerDropRatesFollowTheShiftedLinspace() {
        VimConfig c = VimConfig.preset("vim-tiny").withOverrides(Map.of("drop_path_rate", 0.1, "depth", 5));
        assertEquals(0.0, c.mixerDropRate(0));
        assertEquals(0.025, c.mixerDropRate(1), 1e-15);
        assertEquals(0.075, c.mixerDropRate(3), 1e-15);
        assertEquals(0.1, c.mixerDropRate(4), "the last mixer feeds the final add, rate = drop_path_rate");
        assertEquals(0.1, c.withOverrides(Map.of("depth", 1)).mixerDropRate(0), "depth 1: the final add only");
        assertThrows(IllegalArgumentException.class, () -> c.mixerDropRate(5));
    }

    private static void expectError(Map<String, ?> overrides, String key, String allowed) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VimConfig.fromMap(overrides),
                "expected an error for " + overrides);
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(allowed),
                "message should name " + key + " and " + allowed + ": " + e.getMessage());
    }
}
