package org.semivim.training.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.training.checkpoint.ConfigHash;
import org.semivim.training.lyapema.LyapEmaConfig;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.semivim.training.config.ConfigSection.Interval;

/**
 * Everything that decides a training run. Read from a JSON object ({@link #fromMap}, {@link #fromJson})
 * whose top-level keys are:
 * <pre>
 * method        supervised | fixmatch | ema_teacher | lyapema | lyapema_probmixup | lyapema_ssmixup | ssmae   (required)
 * model         a preset name or model file (engine ModelSpec.resolve), or an object:
 *               {"arch": "vim" | "vit", "preset": optional, ...VimConfig / VitConfig keys}             (required)
 * data          DataConfig group (source, protocol, split seed)
 * seed 0        the run's seed: initialisation, samplers, augmentation, drop masks, mixup
 * steps         optimizer steps (required: the compute budget decides, the spec gives no number)
 * shards 4      S, the fixed number of gradient shards (never the worker count)
 * eval_every 1024
 * b_l 64        labeled batch (SSMAE: 16)           mu_ratio 2   B_u = mu_ratio·b_l (supervised: 0)
 * tau           confidence threshold: FixMatch 0.95, EMA-Teacher and LyapEMA 0.7
 * w_u           unlabeled weight: FixMatch 1, EMA-Teacher and LyapEMA 5
 * eps_ls 0.1    label smoothing of L_x (EMA-Teacher, LyapEMA) and of mixed targets (R-S5)
 * lr            1e-3·b_l/256 (§6; SSMAE: constant 1e-4)   min_lr 1e-6   warmup round(0.05·steps)
 * weight_decay 0.05   clip 0 (global-norm clipping; 0 = off)
 * ema_m         teacher momentum m: FixMatch 0.999 (evaluation EMA), EMA-Teacher 0.9999 (§2.3 [ours])
 * lyapema {...} ssmixup {...} ssmae {...}   the method groups (LyapEmaKeys, SsMixupConfig, SsmaeSettings)
 * init_from     optional safetensors file of starting weights for the student, loaded by name (e.g. the
 *               encoder an MAE pre-training wrote: the "fine-tuned MAE" baseline); see {@code InitFrom}
 * </pre>
 * Defaults that depend on the method are the spec's [ours] values for that method. Unknown keys,
 * wrong types and out-of-range values are {@link ConfigException}s naming the key's path and the
 * allowed range. {@link #canonicalJson()} spells out every value in a fixed order (and reads back
 * to an equal config); {@link #hash()} is the checkpoints' {@link ConfigHash} of the same values.
 *
 * @param labeledBatch B_l
 * @param muRatio      mu_ratio (B_u = mu_ratio·B_l)
 * @param clip         max global gradient norm, 0 for no clipping
 * @param emaM         the EMA momentum m (weight on the old teacher)
 * @param initFrom     the starting-weights file ({@code init_from}), or null to start from the model's initialisation
 */
public record TrainConfig(Method method, ModelSpec model, DataConfig data, long seed, long steps, int shards, long evalEvery,
                          int labeledBatch, int muRatio, double tau, double wU, double epsLs,
                          double lr, double minLr, long warmup, double weightDecay, double clip, double emaM,
                          LyapEmaConfig lyapema, SsMixupConfig ssmixup, SsmaeSettings ssmae, String initFrom) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** B_u = mu_ratio·B_l. */
    public int unlabeledBatch() {
        return labeledBatch * muRatio;
    }

    public static TrainConfig fromJson(String json) {
        Map<String, Object> map;
        try {
            map = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("training config is not a JSON object: " + e.getOriginalMessage(), e);
        }
        return fromMap(map);
    }

    public static TrainConfig fromMap(Map<String, ?> map) {
        ConfigSection s = new ConfigSection("", map);
        s.require("method", "one of " + Method.configNames());
        Method method = Method.fromConfigName(s.choice("method", null, Method.configNames()));
        s.require("model", "a preset name, a model file or a model object");
        ModelSpec model = ModelSource.read(s, "model");
        DataConfig data = DataConfig.read(s.section("data"));
        long seed = s.integer("seed", 0L, 0, Long.MAX_VALUE);
        s.require("steps", "an integer >= 1");
        long steps = s.integer("steps", 1L, 1, 1L << 40);
        long evalEvery = s.integer("eval_every", 1024L, 1, 1L << 40);

        boolean ssmae = method == Method.SSMAE;
        int bl = s.integer("b_l", ssmae ? 16 : 64, 1, 1 << 20);
        int mu = s.integer("mu_ratio", method == Method.SUPERVISED ? 0 : 2, 0, 1 << 10);
        if (method == Method.SUPERVISED && mu != 0) {
            throw new ConfigException("mu_ratio", "must be 0 for supervised (it uses no unlabeled data), got " + mu);
        }
        if (method.usesUnlabeled() && mu == 0) throw new ConfigException("mu_ratio", "must be >= 1 for " + method.configName() + ", got 0");
        if (method == Method.LYAPEMA_PROBMIXUP && (bl * mu) % 2 != 0) {
            throw new ConfigException("mu_ratio", "must make B_u = mu_ratio·b_l even for ProbMixup (R-S12), got B_u = " + bl * mu);
        }
        int shards = s.integer("shards", 4, 1, 1 << 16);
        if ((long) shards > (long) bl * (1 + mu)) {
            throw new ConfigException("shards", "must be in [1, " + (long) bl * (1 + mu) + "] (the samples of one batch), got " + shards);
        }
        boolean fixMatch = method == Method.FIXMATCH;
        double tau = s.number("tau", fixMatch || method == Method.SUPERVISED ? 0.95 : 0.7, Interval.closed(0, 1));
        double wU = s.number("w_u", fixMatch || method == Method.SUPERVISED ? 1 : 5, Interval.closed(0, 1e6));
        double epsLs = s.number("eps_ls", 0.1, Interval.closedOpen(0, 1));
        double lr = s.number("lr", ssmae ? 1e-4 : 1e-3 * bl / 256, Interval.closed(0, 1e3));
        double minLr = s.number("min_lr", ssmae ? lr : Math.min(1e-6, lr), Interval.closed(0, lr));
        long warmup = s.integer("warmup", ssmae ? 0L : Math.round(0.05 * steps), 0, steps);
        double weightDecay = s.number("weight_decay", 0.05, Interval.closed(0, 1e3));
        double clip = s.number("clip", 0, Interval.closed(0, 1e9));
        double emaM = s.number("ema_m", method == Method.EMA_TEACHER ? 0.9999 : 0.999, Interval.closed(0, 1));
        LyapEmaConfig lyap = LyapEmaKeys.read(s.section("lyapema"));
        SsMixupConfig ssmix = SsMixupConfig.read(s.section("ssmixup"));
        SsmaeSettings ssmaeCfg = SsmaeSettings.read(s.section("ssmae"));
        String initFrom = s.string("init_from", null);
        if (initFrom != null && initFrom.isBlank()) throw new ConfigException("init_from", "must name a safetensors file, got an empty string");
        s.rejectUnknown();
        requireModelFitsData(model, data, method);
        if (ssmae) requireSsmaeModel(model, ssmaeCfg);
        return new TrainConfig(method, model, data, seed, steps, shards, evalEvery, bl, mu, tau, wU, epsLs, lr, minLr, warmup,
                weightDecay, clip, emaM, lyap, ssmix, ssmaeCfg, initFrom);
    }

    /** SSMAE's model is a ViT encoder with a class token and the token read-out, and the decoder must fit it (§2.8). */
    private static void requireSsmaeModel(ModelSpec model, SsmaeSettings settings) {
        if (!(model instanceof ModelSpec.Vit vit)) {
            throw new ConfigException("model", "ssmae needs a ViT encoder (arch \"vit\"), got a ViM");
        }
        try {
            settings.mae().maeConfig(vit.config());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ssmae", e.getMessage());
        }
    }

    private static void requireModelFitsData(ModelSpec model, DataConfig data, Method method) {
        int[] shape = ModelSource.inputShape(model);
        int classes = ModelSource.numClasses(model);
        if (shape[0] != 1) throw new ConfigException("model", "must take 1 input channel (the data is grayscale), got in_chans " + shape[0]);
        if (shape[1] != data.imageSize()) {
            throw new ConfigException("model", "img_size " + shape[1] + " does not match the data's " + data.imageSize() + "-pixel images");
        }
        if (classes != data.numClasses()) {
            throw new ConfigException("model", "has " + classes + " classes but the data has " + data.numClasses());
        }
        if (method == Method.LYAPEMA_SSMIXUP
                && !(model instanceof ModelSpec.Vim v && v.config().bimamba() == VimConfig.Bimamba.V2)) {
            throw new ConfigException("method", "lyapema_ssmixup needs a bidirectional ViM backbone (R-S9); use lyapema_probmixup for "
                    + (model instanceof ModelSpec.Vit ? "a ViT" : "a ViM without bimamba v2"));
        }
    }

    /** Every value in a fixed key order; {@link #fromMap} of it gives an equal config. */
    public Map<String, Object> canonicalMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.configName());
        m.put("model", ModelSource.canonical(model));
        m.put("data", data.toMap());
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("shards", shards);
        m.put("eval_every", evalEvery);
        m.put("b_l", labeledBatch);
        m.put("mu_ratio", muRatio);
        m.put("tau", tau);
        m.put("w_u", wU);
        m.put("eps_ls", epsLs);
        m.put("lr", lr);
        m.put("min_lr", minLr);
        m.put("warmup", warmup);
        m.put("weight_decay", weightDecay);
        m.put("clip", clip);
        m.put("ema_m", emaM);
        m.put("lyapema", LyapEmaKeys.toMap(lyapema));
        m.put("ssmixup", ssmixup.toMap());
        m.put("ssmae", ssmae.toMap());
        if (initFrom != null) m.put("init_from", initFrom);
        return m;
    }

    /** The canonical JSON text (compact, keys in the order of {@link #canonicalMap()}). */
    public String canonicalJson() {
        try {
            return JSON.writeValueAsString(canonicalMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The config hash a checkpoint records: {@link ConfigHash} (SHA-256 of sorted-key canonical JSON) of {@link #canonicalMap()}. */
    public String hash() {
        return ConfigHash.of(canonicalMap());
    }

    /**
     * This config with some top-level keys replaced (e.g. another seed), re-validated. The other
     * values stay as they are: method-dependent defaults are not derived again.
     */
    public TrainConfig with(Map<String, ?> overrides) {
        Map<String, Object> m = new LinkedHashMap<>(canonicalMap());
        m.putAll(overrides);
        return fromMap(m);
    }
}
