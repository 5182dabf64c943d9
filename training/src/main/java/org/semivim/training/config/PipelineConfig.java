package org.semivim.training.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.arm.ArmTransfer;
import org.semivim.training.checkpoint.ConfigHash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Semi-ViM pipeline as one configuration (ssl-spec.md §2.7): ARM pre-training → supervised
 * fine-tune → SSL. A JSON object with the keys
 * <pre>
 * model      the bidirectional ViM of every stage (required); the ARM encoder is its forward direction
 * data       DataConfig group, shared by the stages
 * seed 0     default seed of every stage
 * pretrain   "arm" (default) or "none" (ablation: no ARM stage, the fine-tune starts from the ViM's own init)
 * arm        {ArmPretrainConfig keys except model and data}            (steps required; absent with pretrain none)
 * finetune   {TrainConfig keys except model, data and method (always supervised),   (steps required)
 *             full false (true: nothing frozen), pos_embed "sincos" | "init" (ArmTransfer.PositionPolicy)}
 * ssl        {TrainConfig keys except model and data; method lyapema_ssmixup by default,  (steps required)
 *             one of fixmatch, ema_teacher, lyapema, lyapema_probmixup, lyapema_ssmixup}
 * </pre>
 * Every key is checked with the rules of its stage's own config; errors name the full key path
 * (e.g. {@code finetune.lr}, {@code ssl.lyapema.gamma}).
 */
public record PipelineConfig(ModelSpec.Vim model, DataConfig data, long seed, ArmPretrainConfig arm /* null: pretrain none */, boolean fullFineTune,
                             ArmTransfer.PositionPolicy positions, TrainConfig finetune, TrainConfig ssl) {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> SSL_METHODS = List.of("fixmatch", "ema_teacher", "lyapema", "lyapema_probmixup", "lyapema_ssmixup");
    private static final List<String> POSITIONS = List.of("sincos", "init");
    private static final List<String> PRETRAIN = List.of("arm", "none");

    public static PipelineConfig fromJson(String json) {
        try {
            return fromMap(JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {}));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pipeline config is not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    public static PipelineConfig fromMap(Map<String, ?> map) {
        ConfigSection s = new ConfigSection("", map);
        s.require("model", "the bidirectional ViM of the pipeline");
        ModelSpec model = ModelSource.read(s, "model");
        DataConfig data = DataConfig.read(s.section("data"));
        long seed = s.integer("seed", 0L, 0, Long.MAX_VALUE);
        boolean pretrain = s.choice("pretrain", "arm", PRETRAIN).equals("arm");
        ArmPretrainConfig arm = null;
        if (pretrain) {
            s.require("arm", "the ARM pre-training group, at least {\"steps\": n}");
            arm = ArmPretrainConfig.read(s.section("arm"), "model", model, data, seed);
        } else if (s.has("arm")) {
            throw new ConfigException("arm", "is not used with pretrain \"none\"; remove it or set pretrain \"arm\"");
        }
        if (!(model instanceof ModelSpec.Vim vim) || !vim.config().bidirectional()) {
            throw new ConfigException("model", "must be a bidirectional ViM (bimamba v2) for the Semi-ViM pipeline");
        }

        s.require("finetune", "the fine-tune group, at least {\"steps\": n}");
        Map<String, Object> ft = stageMap(s, "finetune");
        boolean full = takeBool(ft, "finetune.full", false);
        String pos = takeChoice(ft, "finetune.pos_embed", "sincos", POSITIONS);
        Object method = ft.remove("method");
        if (method != null && !"supervised".equals(method)) {
            throw new ConfigException("finetune.method", "is always supervised in the pipeline, got " + ConfigSection.describe(method));
        }
        ft.put("method", "supervised");
        TrainConfig finetune = stageConfig("finetune", ft, vim, data, seed);

        s.require("ssl", "the SSL group, at least {\"steps\": n}");
        Map<String, Object> sl = stageMap(s, "ssl");
        Object sslMethod = sl.getOrDefault("method", "lyapema_ssmixup");
        if (!SSL_METHODS.contains(sslMethod)) {
            throw new ConfigException("ssl.method", "must be one of " + SSL_METHODS + ", got " + ConfigSection.describe(sslMethod));
        }
        sl.put("method", sslMethod);
        TrainConfig ssl = stageConfig("ssl", sl, vim, data, seed);
        s.rejectUnknown();
        return new PipelineConfig(vim, data, seed, arm, full,
                pos.equals("sincos") ? ArmTransfer.PositionPolicy.RESAMPLED_SINCOS : ArmTransfer.PositionPolicy.KEEP_INIT, finetune, ssl);
    }

    /** The stage object as a mutable map; model and data are inherited and may not be given. */
    private static Map<String, Object> stageMap(ConfigSection s, String key) {
        Object raw = s.raw(key);
        if (!(raw instanceof Map<?, ?> m)) throw new ConfigException(key, "must be an object, got " + ConfigSection.describe(raw));
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
        for (String inherited : List.of("model", "data")) {
            if (out.containsKey(inherited)) {
                throw new ConfigException(key + "." + inherited, "is set once for the whole pipeline (top-level '" + inherited + "')");
            }
        }
        return out;
    }

    private static TrainConfig stageConfig(String stage, Map<String, Object> m, ModelSpec.Vim model, DataConfig data, long seed) {
        if (!m.containsKey("steps")) throw new ConfigException(stage + ".steps", "is required (an integer >= 1)");
        m.put("model", ModelSource.canonical(model));
        m.put("data", data.toMap());
        m.putIfAbsent("seed", seed);
        try {
            return TrainConfig.fromMap(m);
        } catch (ConfigException e) {
            String msg = e.getMessage(), prefix = "config key '" + e.keyPath() + "' ";
            throw new ConfigException(stage + "." + e.keyPath(), msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
        }
    }

    private static boolean takeBool(Map<String, Object> m, String path, boolean fallback) {
        Object v = m.remove(path.substring(path.indexOf('.') + 1));
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new ConfigException(path, "must be true or false, got " + ConfigSection.describe(v));
        return b;
    }

    private static String takeChoice(Map<String, Object> m, String path, String fallback, List<String> allowed) {
        Object v = m.remove(path.substring(path.indexOf('.') + 1));
        if (v == null) return fallback;
        if (!allowed.contains(v)) throw new ConfigException(path, "must be one of " + allowed + ", got " + ConfigSection.describe(v));
        return (String) v;
    }

    /** Every value in a fixed key order; {@link #fromMap} of it gives an equal config. */
    public Map<String, Object> canonicalMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelSource.canonical(model));
        m.put("data", data.toMap());
        m.put("seed", seed);
        m.put("pretrain", arm == null ? "none" : "arm");
        if (arm != null) m.put("arm", arm.sectionMap());
        Map<String, Object> ft = withoutInherited(finetune.canonicalMap());
        ft.remove("method");
        ft.put("full", fullFineTune);
        ft.put("pos_embed", positions == ArmTransfer.PositionPolicy.RESAMPLED_SINCOS ? "sincos" : "init");
        m.put("finetune", ft);
        m.put("ssl", withoutInherited(ssl.canonicalMap()));
        return m;
    }

    private static Map<String, Object> withoutInherited(Map<String, Object> stage) {
        Map<String, Object> m = new LinkedHashMap<>(stage);
        m.remove("model");
        m.remove("data");
        return m;
    }

    public String canonicalJson() {
        try {
            return JSON.writeValueAsString(canonicalMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link ConfigHash} of {@link #canonicalMap()}: a run directory belongs to exactly one pipeline. */
    public String hash() {
        return ConfigHash.of(canonicalMap());
    }
}
