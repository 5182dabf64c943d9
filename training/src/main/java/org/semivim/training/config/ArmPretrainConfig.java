package org.semivim.training.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.arm.ArmConfig;
import org.semivim.training.checkpoint.ConfigHash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.semivim.training.config.ConfigSection.Interval;

/**
 * An ARM pre-training run (ssl-spec.md §2.10), read from a JSON object with the keys
 * <pre>
 * model            the TARGET bidirectional ViM (preset, file or object; required standalone, inherited in a pipeline)
 * data             DataConfig group (inherited in a pipeline); images of the labeled ∪ unlabeled pools, labels ignored
 * seed 0           initialisation, sampler order, augmentation (a pipeline's seed by default)
 * steps            optimizer steps (required)
 * batch 64         images per step
 * lr               1.5e-4·batch/256 (ARM/MAE blr rule)   min_lr min(1e-6, lr)   warmup round(0.05·steps)
 * weight_decay 0.05   clip 3.0 (ARM clip_grad; 0 = off)
 * augment "weak"   "weak" (flip + reflect-pad translate, the §1.2 weak view) or "none" (normalisation only)
 * pad 2  cluster_side 2  decoder_dim 64  decoder_depth 2  decoder_head_dim 32  mlp_ratio 4     (ArmConfig)
 * </pre>
 * Unknown keys, wrong types and out-of-range values are {@link ConfigException}s naming the key path.
 */
public record ArmPretrainConfig(ModelSpec.Vim model, DataConfig data, long seed, long steps, int batch, double lr, double minLr,
                                long warmup, double weightDecay, double clip, boolean augment, ArmConfig arm) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> AUGMENT = List.of("weak", "none");

    public static ArmPretrainConfig fromJson(String json) {
        try {
            return fromMap(JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {}));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("ARM pre-training config is not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /** A standalone config: model, data and steps are read from the map itself. */
    public static ArmPretrainConfig fromMap(Map<String, ?> map) {
        ConfigSection s = new ConfigSection("", map);
        s.require("model", "the target bidirectional ViM");
        ModelSpec model = ModelSource.read(s, "model");
        DataConfig data = DataConfig.read(s.section("data"));
        return read(s, "model", model, data, 0L);
    }

    /**
     * The keys of {@code s} with the model and data given (a pipeline's section); {@code modelKey} names
     * the model's key path for errors, {@code seedDefault} is used when the section has no seed.
     */
    static ArmPretrainConfig read(ConfigSection s, String modelKey, ModelSpec model, DataConfig data, long seedDefault) {
        if (!(model instanceof ModelSpec.Vim vim) || !vim.config().bidirectional()) {
            throw new ConfigException(modelKey, "must be a bidirectional ViM (bimamba v2) for ARM pre-training and the transfer");
        }
        VimConfig t = vim.config();
        if (t.inChans() != 1 || t.imgSize() != data.imageSize()) {
            throw new ConfigException(modelKey, "must take 1-channel " + data.imageSize() + "-pixel images (the data's), got in_chans "
                    + t.inChans() + ", img_size " + t.imgSize());
        }
        long seed = s.integer("seed", seedDefault, 0, Long.MAX_VALUE);
        s.require("steps", "an integer >= 1");
        long steps = s.integer("steps", 1L, 1, 1L << 40);
        int batch = s.integer("batch", 64, 1, 1 << 20);
        double lr = s.number("lr", 1.5e-4 * batch / 256, Interval.closed(0, 1e3));
        double minLr = s.number("min_lr", Math.min(1e-6, lr), Interval.closed(0, lr));
        long warmup = s.integer("warmup", Math.round(0.05 * steps), 0, steps);
        double wd = s.number("weight_decay", 0.05, Interval.closed(0, 1e3));
        double clip = s.number("clip", 3.0, Interval.closed(0, 1e9));
        boolean augment = s.choice("augment", "weak", AUGMENT).equals("weak");
        int pad = s.integer("pad", 2, 0, 1 << 12);
        int side = t.imgSize() + 2 * pad;
        if (t.patchStride() != t.patchSize() || side % t.patchSize() != 0) {
            throw new ConfigException(s.pathOf("pad"), "must make img_size + 2·pad = " + side + " a multiple of the non-overlapping patch "
                    + t.patchSize());
        }
        int grid = side / t.patchSize();
        int cluster = s.integer("cluster_side", 2, 1, grid);
        if (grid % cluster != 0 || grid / cluster < 2) {
            throw new ConfigException(s.pathOf("cluster_side"), "must divide the " + grid + " tokens per side into at least 2×2 clusters, got " + cluster);
        }
        int decDim = s.integer("decoder_dim", 64, 4, 1 << 14);
        if (decDim % 4 != 0) throw new ConfigException(s.pathOf("decoder_dim"), "must be a multiple of 4 (2-D sin-cos positions), got " + decDim);
        int decDepth = s.integer("decoder_depth", 2, 1, 64);
        int headDim = s.integer("decoder_head_dim", Math.min(32, decDim), 1, decDim);
        if (decDim % headDim != 0) throw new ConfigException(s.pathOf("decoder_head_dim"), "must divide decoder_dim " + decDim + ", got " + headDim);
        double mlpRatio = s.number("mlp_ratio", 4.0, Interval.openClosed(0, 64));
        s.rejectUnknown();
        ArmConfig arm;
        try {
            arm = new ArmConfig(t, pad, ArmConfig.FASHION_MNIST_BLACK, cluster, decDim, decDepth, headDim, mlpRatio);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(modelKey, "cannot be ARM-pretrained: " + e.getMessage());
        }
        return new ArmPretrainConfig(vim, data, seed, steps, batch, lr, minLr, warmup, wd, clip, augment, arm);
    }

    /** The section keys (everything but model and data), every value spelled out. */
    public Map<String, Object> sectionMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("batch", batch);
        m.put("lr", lr);
        m.put("min_lr", minLr);
        m.put("warmup", warmup);
        m.put("weight_decay", weightDecay);
        m.put("clip", clip);
        m.put("augment", augment ? "weak" : "none");
        m.put("pad", arm.pad());
        m.put("cluster_side", arm.clusterSide());
        m.put("decoder_dim", arm.decoderDim());
        m.put("decoder_depth", arm.decoderDepth());
        m.put("decoder_head_dim", arm.decoderHeadDim());
        m.put("mlp_ratio", arm.mlpRatio());
        return m;
    }

    /** Every value in a fixed key order; {@link #fromMap} of it gives an equal config. */
    public Map<String, Object> canonicalMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelSource.canonical(model));
        m.put("data", data.toMap());
        m.putAll(sectionMap());
        return m;
    }

    /** The hash ARM checkpoints record ({@link ConfigHash} of {@link #canonicalMap()}). */
    public String hash() {
        return ConfigHash.of(canonicalMap());
    }
}
