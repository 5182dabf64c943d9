package org.semivim.training.config;

import org.semivim.engine.models.VitConfig;
import org.semivim.engine.models.mae.MaeConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MAE decoder and masking keys, shared by the {@code ssmae} group of {@link TrainConfig} and the
 * {@code mae} group of {@link MaePretrainConfig} (ssl-spec.md §2.8, §2.9; the [ours] Fashion-MNIST
 * decoder is 64–128 wide with 2–4 blocks):
 * <pre>
 * mask_ratio 0.75   decoder_width 128   decoder_depth 2   decoder_heads 4   norm_pix (SSMAE false, MAE pre-training true)
 * </pre>
 */
public record MaeSettings(double maskRatio, int decoderWidth, int decoderDepth, int decoderHeads, boolean normPix) {

    static MaeSettings read(ConfigSection s, boolean normPixDefault) {
        double maskRatio = s.number("mask_ratio", 0.75, ConfigSection.Interval.open(0, 1));
        int width = s.integer("decoder_width", 128, 4, 1 << 16);
        if (width % 4 != 0) throw new ConfigException(s.pathOf("decoder_width"), "must be a multiple of 4 (2-D sin-cos position embedding), got " + width);
        int depth = s.integer("decoder_depth", 2, 1, 1024);
        int heads = s.integer("decoder_heads", 4, 1, 1 << 12);
        if (width % heads != 0) throw new ConfigException(s.pathOf("decoder_heads"), "must divide decoder_width " + width + ", got " + heads);
        boolean normPix = s.bool("norm_pix", normPixDefault);
        return new MaeSettings(maskRatio, width, depth, heads, normPix);
    }

    void putInto(Map<String, Object> m) {
        m.put("mask_ratio", maskRatio);
        m.put("decoder_width", decoderWidth);
        m.put("decoder_depth", decoderDepth);
        m.put("decoder_heads", decoderHeads);
        m.put("norm_pix", normPix);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        putInto(m);
        return m;
    }

    /** The engine's MAE shape around {@code encoder}; throws IllegalArgumentException when they do not fit. */
    public MaeConfig maeConfig(VitConfig encoder) {
        return new MaeConfig(encoder, decoderWidth, decoderDepth, decoderHeads, maskRatio, normPix);
    }
}
