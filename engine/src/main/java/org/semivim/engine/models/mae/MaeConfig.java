package org.semivim.engine.models.mae;

import org.semivim.engine.models.VitConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape of a masked autoencoder (MAE {@code models_mae.py MaskedAutoencoderViT}, ssl-spec.md §2.9)
 * around a ViT encoder: the encoder is a {@link VitConfig} with a class token and the token read-out
 * (its final {@code norm} is MAE's encoder norm; its {@code head} is the classifier SSMAE trains
 * jointly and MAE pre-training leaves untouched). The decoder has {@code decoderEmbedDim} width,
 * {@code decoderDepth} pre-norm blocks of {@code decoderNumHeads} heads with the encoder's MLP ratio
 * and LayerNorm epsilon, fixed 2-D sin-cos position embeddings, and a linear layer to p²·c pixels.
 *
 * @param maskRatio   fraction of patches removed per sample; the encoder sees {@link #keepCount()} = int(L·(1 − ratio))
 * @param normPixLoss whether the target patch is normalised by its own mean and variance (MAE {@code norm_pix_loss})
 */
public record MaeConfig(VitConfig encoder, int decoderEmbedDim, int decoderDepth, int decoderNumHeads, double maskRatio,
                        boolean normPixLoss) {

    public MaeConfig {
        if (encoder == null) throw new IllegalArgumentException("MAE config needs an encoder ViT config");
        require(encoder.classToken() && encoder.globalPool() == VitConfig.GlobalPool.TOKEN,
                "the encoder needs a class token and global_pool 'token' (MAE's encoder norm is applied to every token)");
        require(decoderEmbedDim >= 4 && decoderEmbedDim % 4 == 0,
                "decoder_embed_dim must be a positive multiple of 4 (2-D sin-cos position embedding), got " + decoderEmbedDim);
        require(decoderDepth >= 1, "decoder_depth must be at least 1, got " + decoderDepth);
        require(decoderNumHeads >= 1 && decoderEmbedDim % decoderNumHeads == 0,
                "decoder_embed_dim " + decoderEmbedDim + " must be divisible by decoder_num_heads " + decoderNumHeads);
        double hidden = decoderEmbedDim * encoder.mlpRatio();
        require(hidden == Math.rint(hidden), "decoder_embed_dim·mlp_ratio = " + hidden + " must be an integer MLP width");
        require(maskRatio > 0 && maskRatio < 1, "mask_ratio must be in (0, 1), got " + maskRatio);
        int keep = (int) (encoder.numPatches() * (1 - maskRatio));
        require(keep >= 1, "mask_ratio " + maskRatio + " keeps no patch of " + encoder.numPatches());
        require(!normPixLoss || encoder.patchDim() >= 2, "norm_pix_loss needs at least 2 pixels per patch");
    }

    /** L: the number of patches. */
    public int numPatches() { return encoder.numPatches(); }

    /** K = int(L·(1 − mask_ratio)), as Python's int() of the same double product. */
    public int keepCount() { return (int) (encoder.numPatches() * (1 - maskRatio)); }

    /** p²·c, the pixels the decoder predicts per patch. */
    public int patchPixels() { return encoder.patchDim(); }

    public int decoderMlpHidden() { return (int) Math.rint(decoderEmbedDim * encoder.mlpRatio()); }

    /** The decoder's parameters with MAE's names and shapes, in MAE state-dict order (after the encoder's). */
    public Map<String, int[]> decoderParameterShapes() {
        int d = encoder.embedDim(), dd = decoderEmbedDim, hid = decoderMlpHidden(), pp = patchPixels();
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("decoder_embed.weight", new int[]{dd, d});
        m.put("decoder_embed.bias", new int[]{dd});
        m.put("mask_token", new int[]{1, 1, dd});
        for (int i = 0; i < decoderDepth; i++) {
            String b = "decoder_blocks." + i + ".";
            m.put(b + "norm1.weight", new int[]{dd});
            m.put(b + "norm1.bias", new int[]{dd});
            m.put(b + "attn.qkv.weight", new int[]{3 * dd, dd});
            m.put(b + "attn.qkv.bias", new int[]{3 * dd});
            m.put(b + "attn.proj.weight", new int[]{dd, dd});
            m.put(b + "attn.proj.bias", new int[]{dd});
            m.put(b + "norm2.weight", new int[]{dd});
            m.put(b + "norm2.bias", new int[]{dd});
            m.put(b + "mlp.fc1.weight", new int[]{hid, dd});
            m.put(b + "mlp.fc1.bias", new int[]{hid});
            m.put(b + "mlp.fc2.weight", new int[]{dd, hid});
            m.put(b + "mlp.fc2.bias", new int[]{dd});
        }
        m.put("decoder_norm.weight", new int[]{dd});
        m.put("decoder_norm.bias", new int[]{dd});
        m.put("decoder_pred.weight", new int[]{pp, dd});
        m.put("decoder_pred.bias", new int[]{pp});
        return m;
    }

    /** Encoder (ViT, with its head) then decoder parameters: the layout of {@link MaskedAutoencoder#parameters()}. */
    public Map<String, int[]> parameterShapes() {
        Map<String, int[]> m = new LinkedHashMap<>(encoder.parameterShapes());
        m.putAll(decoderParameterShapes());
        return m;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("MAE config: " + message);
    }
}
