package org.semivim.engine.models;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VitConfigTest {

    /**
     * timm parameter count with learned position embedding, mlp_ratio 4 and a class token:
     * patch embed D·(C·p² + 1) + cls D + pos (N+1)·D + depth·(12D² + 13D) + final norm 2D + head K·D + K,
     * where one block is norm1 2D + qkv 3D²+3D + proj D²+D + norm2 2D + fc1 4D²+4D + fc2 4D²+D.
     */
    private static long timmCount(long d, long c, long p, long n, long depth, long k) {
        return d * (c * p * p + 1) + d + (n + 1) * d + depth * (12 * d * d + 13 * d) + 2 * d + k * d + k;
    }

    @Test
    void imagenetPresetsHaveTimmParameterCounts() {
        // the literals are timm's published counts for vit_{tiny,small,base}_patch16_224
        assertEquals(86_567_656L, timmCount(768, 3, 16, 196, 12, 1000));
        assertEquals(86_567_656L, VitConfig.preset("vit-base").parameterCount());
        assertEquals(5_717_416L, timmCount(192, 3, 16, 196, 12, 1000));
        assertEquals(5_717_416L, VitConfig.preset("vit-tiny").parameterCount());
        assertEquals(22_050_664L, timmCount(384, 3, 16, 196, 12, 1000));
        assertEquals(22_050_664L, VitConfig.preset("vit-small").parameterCount());
    }

    @Test
    void fashionMnistPresets() {
        VitConfig tiny = VitConfig.preset("vit-fmnist-tiny");
        assertEquals(49, tiny.numPatches());
        assertEquals(50, tiny.numTokens());
        assertEquals(16, tiny.headDim());
        assertEquals(256, tiny.mlpHidden());
        assertEquals(16, tiny.patchDim());
        assertEquals(timmCount(64, 1, 4, 49, 4, 10), tiny.parameterCount());
        VitConfig small = VitConfig.preset("vit-fmnist-small");
        assertEquals(32, small.headDim());
        assertEquals(timmCount(96, 1, 4, 49, 6, 10), small.parameterCount());
    }

    @Test
    void parameterNamesAndOrderAreTimms() {
        Map<String, int[]> shapes = VitConfig.preset("vit-fmnist-tiny").parameterShapes();
        List<String> names = List.copyOf(shapes.keySet());
        assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.norm2.weight", "blocks.0.norm2.bias",
                "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias"),
                names.subList(0, 16));
        assertEquals(List.of("blocks.3.mlp.fc2.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"),
                names.subList(names.size() - 5, names.size()));
        assertEquals(4 + 4 * 12 + 4, names.size());
        assertArrayEquals(new int[]{1, 50, 64}, shapes.get("pos_embed"));
        assertArrayEquals(new int[]{64, 1, 4, 4}, shapes.get("patch_embed.proj.weight"));
        assertArrayEquals(new int[]{192, 64}, shapes.get("blocks.2.attn.qkv.weight"));
        assertArrayEquals(new int[]{256, 64}, shapes.get("blocks.1.mlp.fc1.weight"));
        assertArrayEquals(new int[]{10, 64}, shapes.get("head.weight"));
    }

    @Test
    void sinCosAndAveragePoolChangeTheParameters() {
        VitConfig c = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "pos_embed", "sincos",
                "global_pool", "avg", "class_token", false));
        Map<String, int[]> shapes = c.parameterShapes();
        assertFalse(shapes.containsKey("pos_embed"));
        assertFalse(shapes.containsKey("cls_token"));
        assertFalse(shapes.containsKey("norm.weight"));
        assertTrue(shapes.containsKey("fc_norm.weight"));
        assertEquals(49, c.numTokens());
        assertEquals(timmCount(64, 1, 4, 49, 4, 10) - 64 - 50 * 64, c.parameterCount());
    }

    @Test
    void dropPathRatesFollowTimmLinspace() {
        VitConfig c = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "drop_path_rate", 0.3));
        assertArrayEquals(new double[]{0.0, 0.1, 0.2, 0.3}, c.dropPathRates(), 1e-15);
        VitConfig one = VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "depth", 1, "drop_path_rate", 0.3));
        assertArrayEquals(new double[]{0.0}, one.dropPathRates());
    }

    @Test
    void jsonRoundTripAndDefaults() {
        for (String p : VitConfig.presetNames()) {
            VitConfig c = VitConfig.preset(p);
            assertEquals(c, VitConfig.fromJson(c.toJson()), p);
        }
        VitConfig c = VitConfig.fromJson("{\"img_size\": 32, \"patch_size\": 4, \"embed_dim\": 48, \"depth\": 2,"
                + " \"num_heads\": 3, \"num_classes\": 7, \"pos_embed\": \"sincos\"}");
        assertEquals(new VitConfig(32, 4, 3, 48, 2, 3, 4.0, 7, true, VitConfig.PosEmbed.SINCOS, 0.0, 1e-6,
                VitConfig.GlobalPool.TOKEN), c);
    }

    @Test
    void badConfigsAreRejectedWithClearMessages() {
        assertMessage("unknown ViT config key 'embed_dims'", () -> VitConfig.fromJson("{\"preset\": \"vit-tiny\", \"embed_dims\": 8}"));
        assertMessage("needs 'depth'", () -> VitConfig.fromMap(Map.of("img_size", 28, "patch_size", 4, "embed_dim", 8,
                "num_heads", 2, "num_classes", 10)));
        assertMessage("unknown ViT preset 'vit-huge'", () -> VitConfig.preset("vit-huge"));
        assertMessage("'depth' must be an integer, got 2.5", () -> VitConfig.fromMap(Map.of("preset", "vit-tiny", "depth", 2.5)));
        assertMessage("'class_token' must be true or false", () -> VitConfig.fromMap(Map.of("preset", "vit-tiny", "class_token", "yes")));
        assertMessage("'pos_embed' must be learned | sincos, got 'rope'", () -> VitConfig.fromMap(Map.of("preset", "vit-tiny", "pos_embed", "rope")));
        assertMessage("img_size 28 is not a multiple of patch_size 5", () -> VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "patch_size", 5)));
        assertMessage("embed_dim 64 is not divisible by num_heads 3", () -> VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "num_heads", 3)));
        assertMessage("divisible by 4", () -> VitConfig.fromMap(Map.of("preset", "vit-fmnist-small", "embed_dim", 90, "pos_embed", "sincos")));
        assertMessage("global_pool 'token' needs class_token", () -> VitConfig.fromMap(Map.of("preset", "vit-tiny", "class_token", false)));
        assertMessage("drop_path_rate must be in [0, 1)", () -> VitConfig.fromMap(Map.of("preset", "vit-tiny", "drop_path_rate", 1.0)));
        assertMessage("must be an integer MLP width", () -> VitConfig.fromMap(Map.of("preset", "vit-fmnist-tiny", "mlp_ratio", 2.7)));
        assertMessage("not valid JSON", () -> VitConfig.fromJson("{\"depth\": "));
        assertMessage("must be a JSON object", () -> VitConfig.fromJson("[1, 2]"));
    }

    private static void assertMessage(String expectedPart, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' lacks '" + expectedPart + "'");
    }
}
