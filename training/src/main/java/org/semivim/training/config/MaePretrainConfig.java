package org.semivim.training.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.models.mae.MaeConfig;
import org.semivim.training.checkpoint.ConfigHash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An MAE pre-training run (ssl-spec.md §2.9), read with the same strict rules as {@link TrainConfig}
 * (unknown keys, wrong types and out-of-range values are {@link ConfigException}s naming the key):
 * <pre>
 * model         a ViT (preset, file or {"arch": "vit", ...}) with a class token and the token read-out   (required)
 * data          DataConfig group (source, protocol, split seed)
 * images        "split": the labeled and unlabeled samples of the split (default; never validation or test)
 *               | "train": every training image. Labels are never read.
 * seed 0        init, sampler, augmentation, masks, drop-path
 * steps         optimizer steps (required)       shards 4   (fixed gradient shards of a batch)
 * batch 64
 * lr            blr·batch/256 with MAE's blr 1.5e-4     min_lr 0     warmup round(0.05·steps)  (warm-up then cosine)
 * weight_decay 0.05   clip 0 (off)
 * mae {...}     MaeSettings: mask_ratio 0.75, decoder_width 128, decoder_depth 2, decoder_heads 4, norm_pix true
 * </pre>
 * Augmentation is the weak view of ssl-spec.md §1.2 (flip + reflect-pad translation), standing in for
 * MAE's RandomResizedCrop(0.2–1) + flip, which the data module does not implement.
 */
public record MaePretrainConfig(ModelSpec.Vit model, DataConfig data, ImagePool images, long seed, long steps, int shards, int batch,
                                double lr, double minLr, long warmup, double weightDecay, double clip, MaeSettings mae) {

    /** Which training images the pre-training sees. */
    public enum ImagePool {
        /** labeled ∪ unlabeled of the split */
        SPLIT,
        /** every image of the training set */
        TRAIN;

        String configName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The engine's MAE shape (encoder + decoder). */
    public MaeConfig maeConfig() {
        return mae.maeConfig(model.config());
    }

    public static MaePretrainConfig fromJson(String json) {
        Map<String, Object> map;
        try {
            map = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("MAE pre-training config is not a JSON object: " + e.getOriginalMessage(), e);
        }
        return fromMap(map);
    }

    public static MaePretrainConfig fromMap(Map<String, ?> map) {
        ConfigSection s = new ConfigSection("", map);
        s.require("model", "a ViT preset name, model file or model object");
        ModelSpec spec = ModelSource.read(s, "model");
        if (!(spec instanceof ModelSpec.Vit vit)) throw new ConfigException("model", "MAE pre-training needs a ViT (arch \"vit\"), got a ViM");
        DataConfig data = DataConfig.read(s.section("data"));
        ImagePool images = ImagePool.valueOf(s.choice("images", "split", List.of("split", "train")).toUpperCase(java.util.Locale.ROOT));
        long seed = s.integer("seed", 0L, 0, Long.MAX_VALUE);
        s.require("steps", "an integer >= 1");
        long steps = s.integer("steps", 1L, 1, 1L << 40);
        int batch = s.integer("batch", 64, 1, 1 << 20);
        int shards = s.integer("shards", 4, 1, 1 << 16);
        if (shards > batch) throw new ConfigException("shards", "must be in [1, " + batch + "] (the samples of one batch), got " + shards);
        double lr = s.number("lr", 1.5e-4 * batch / 256, ConfigSection.Interval.closed(0, 1e3));
        double minLr = s.number("min_lr", 0, ConfigSection.Interval.closed(0, lr));
        long warmup = s.integer("warmup", Math.round(0.05 * steps), 0, steps);
        double weightDecay = s.number("weight_decay", 0.05, ConfigSection.Interval.closed(0, 1e3));
        double clip = s.number("clip", 0, ConfigSection.Interval.closed(0, 1e9));
        MaeSettings mae = MaeSettings.read(s.section("mae"), true);
        s.rejectUnknown();
        VitConfig v = vit.config();
        if (v.inChans() != 1) throw new ConfigException("model", "must take 1 input channel (the data is grayscale), got in_chans " + v.inChans());
        if (v.imgSize() != data.imageSize()) {
            throw new ConfigException("model", "img_size " + v.imgSize() + " does not match the data's " + data.imageSize() + "-pixel images");
        }
        try {
            mae.maeConfig(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("mae", e.getMessage());
        }
        return new MaePretrainConfig(vit, data, images, seed, steps, shards, batch, lr, minLr, warmup, weightDecay, clip, mae);
    }

    /** Every value in a fixed key order; {@link #fromMap} of it gives an equal config. */
    public Map<String, Object> canonicalMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelSource.canonical(model));
        m.put("data", data.toMap());
        m.put("images", images.configName());
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("shards", shards);
        m.put("batch", batch);
        m.put("lr", lr);
        m.put("min_lr", minLr);
        m.put("warmup", warmup);
        m.put("weight_decay", weightDecay);
        m.put("clip", clip);
        m.put("mae", mae.toMap());
        return m;
    }

    /** The checkpoints' config hash (SHA-256 of the sorted-key canonical JSON, prefixed so it never equals a TrainConfig's). */
    public String hash() {
        Map<String, Object> m = new LinkedHashMap<>(canonicalMap());
        m.put("run", "mae_pretrain");
        return ConfigHash.of(m);
    }

    /** This config with some top-level keys replaced, re-validated. */
    public MaePretrainConfig with(Map<String, ?> overrides) {
        Map<String, Object> m = new LinkedHashMap<>(canonicalMap());
        m.putAll(overrides);
        return fromMap(m);
    }
}
