package org.semivim.engine.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shape of a Vision Transformer with timm {@code VisionTransformer} semantics (as used by MAE,
 * Semi-ViT and SSMAE): conv patch embedding, optional class token, learned or fixed 2-D sin-cos
 * position embedding, {@code depth} pre-norm blocks {@code x + attn(norm1(x))},
 * {@code x + mlp(norm2(x))}, a final LayerNorm, and a linear head on the class token (or on the
 * average of the patch tokens after {@code fc_norm}, timm {@code global_pool='avg'}).
 *
 * <p>JSON / map keys are the timm argument names: {@code img_size, patch_size, in_chans,
 * embed_dim, depth, num_heads, mlp_ratio, num_classes, class_token, pos_embed ("learned" |
 * "sincos"), drop_path_rate, norm_eps, global_pool ("token" | "avg")}, plus {@code preset} to start
 * from a named preset. See {@link #fromMap} for which keys are required.
 *
 * @param mlpRatio     hidden width of the MLP over embed_dim; embed_dim·mlp_ratio must be an integer
 * @param dropPathRate stochastic-depth rate of the last block; block i gets rate·i/(depth−1) (timm linspace)
 * @param normEps      LayerNorm epsilon (timm ViT: 1e-6)
 */
public record VitConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads,
                        double mlpRatio, int numClasses, boolean classToken, PosEmbed posEmbed,
                        double dropPathRate, double normEps, GlobalPool globalPool) {

    /** Learned (timm: trunc-normal init, trained) or fixed MAE 2-D sin-cos (not a parameter). */
    public enum PosEmbed { LEARNED, SINCOS }

    /** Read-out: the class token (timm 'token') or the mean of the patch tokens (timm 'avg', with fc_norm). */
    public enum GlobalPool { TOKEN, AVG }

    private static final List<String> KEYS = List.of("img_size", "patch_size", "in_chans", "embed_dim", "depth",
            "num_heads", "mlp_ratio", "num_classes", "class_token", "pos_embed", "drop_path_rate", "norm_eps", "global_pool");
    private static final Set<String> REQUIRED_WITHOUT_PRESET = Set.of("img_size", "patch_size", "embed_dim", "depth",
            "num_heads", "num_classes");

    public VitConfig {
        require(imgSize >= 1, "img_size must be at least 1, got " + imgSize);
        require(patchSize >= 1, "patch_size must be at least 1, got " + patchSize);
        require(imgSize % patchSize == 0, "img_size " + imgSize + " is not a multiple of patch_size " + patchSize);
        require(inChans >= 1, "in_chans must be at least 1, got " + inChans);
        require(embedDim >= 1, "embed_dim must be at least 1, got " + embedDim);
        require(depth >= 1, "depth must be at least 1, got " + depth);
        require(numHeads >= 1, "num_heads must be at least 1, got " + numHeads);
        require(embedDim % numHeads == 0, "embed_dim " + embedDim + " is not divisible by num_heads " + numHeads);
        require(Double.isFinite(mlpRatio) && mlpRatio > 0, "mlp_ratio must be positive and finite, got " + mlpRatio);
        double hidden = embedDim * mlpRatio;
        require(hidden == Math.rint(hidden) && hidden <= Integer.MAX_VALUE,
                "embed_dim·mlp_ratio = " + embedDim + "·" + mlpRatio + " = " + hidden + " must be an integer MLP width");
        require(numClasses >= 1, "num_classes must be at least 1, got " + numClasses);
        require(posEmbed != null, "pos_embed must be 'learned' or 'sincos'");
        require(posEmbed != PosEmbed.SINCOS || embedDim % 4 == 0,
                "pos_embed 'sincos' needs embed_dim divisible by 4 (two axes of sin and cos), got " + embedDim);
        require(globalPool != null, "global_pool must be 'token' or 'avg'");
        require(globalPool != GlobalPool.TOKEN || classToken, "global_pool 'token' needs class_token = true");
        require(dropPathRate >= 0 && dropPathRate < 1, "drop_path_rate must be in [0, 1), got " + dropPathRate);
        require(Double.isFinite(normEps) && normEps > 0, "norm_eps must be positive and finite, got " + normEps);
    }

    // ---- derived sizes ----

    /** Patches per side: img_size / patch_size. */
    public int gridSize() { return imgSize / patchSize; }

    /** Number of patch tokens N = gridSize². */
    public int numPatches() { return gridSize() * gridSize(); }

    /** Tokens before the patch tokens: 1 with a class token, else 0. */
    public int numPrefixTokens() { return classToken ? 1 : 0; }

    /** Sequence length T = prefix + N. */
    public int numTokens() { return numPrefixTokens() + numPatches(); }

    public int headDim() { return embedDim / numHeads; }

    public int mlpHidden() { return (int) Math.rint(embedDim * mlpRatio); }

    /** Values per patch C·p·p (the flattened conv kernel, (c, kh, kw) order). */
    public int patchDim() { return inChans * patchSize * patchSize; }

    /** Stochastic-depth rate per block: timm {@code torch.linspace(0, drop_path_rate, depth)}. */
    public double[] dropPathRates() {
        double[] r = new double[depth];
        for (int i = 0; i < depth; i++) r[i] = depth == 1 ? 0.0 : dropPathRate * i / (depth - 1);
        return r;
    }

    /**
     * Every parameter's timm state-dict name and shape, in state-dict order. A sin-cos position
     * embedding is a fixed table, not a parameter (MAE stores it with requires_grad = False).
     */
    public Map<String, int[]> parameterShapes() {
        int d = embedDim, hid = mlpHidden();
        Map<String, int[]> m = new LinkedHashMap<>();
        if (classToken) m.put("cls_token", new int[]{1, 1, d});
        if (posEmbed == PosEmbed.LEARNED) m.put("pos_embed", new int[]{1, numTokens(), d});
        m.put("patch_embed.proj.weight", new int[]{d, inChans, patchSize, patchSize});
        m.put("patch_embed.proj.bias", new int[]{d});
        for (int i = 0; i < depth; i++) {
            String b = "blocks." + i + ".";
            m.put(b + "norm1.weight", new int[]{d});
            m.put(b + "norm1.bias", new int[]{d});
            m.put(b + "attn.qkv.weight", new int[]{3 * d, d});
            m.put(b + "attn.qkv.bias", new int[]{3 * d});
            m.put(b + "attn.proj.weight", new int[]{d, d});
            m.put(b + "attn.proj.bias", new int[]{d});
            m.put(b + "norm2.weight", new int[]{d});
            m.put(b + "norm2.bias", new int[]{d});
            m.put(b + "mlp.fc1.weight", new int[]{hid, d});
            m.put(b + "mlp.fc1.bias", new int[]{hid});
            m.put(b + "mlp.fc2.weight", new int[]{d, hid});
            m.put(b + "mlp.fc2.bias", new int[]{d});
        }
        String finalNorm = finalNormName();
        m.put(finalNorm + ".weight", new int[]{d});
        m.put(finalNorm + ".bias", new int[]{d});
        m.put("head.weight", new int[]{numClasses, d});
        m.put("head.bias", new int[]{numClasses});
        return m;
    }

    /** 'norm' (on all tokens, token read-out) or 'fc_norm' (on the pooled features, avg read-out), as timm names them. */
    public String finalNormName() {
        return globalPool == GlobalPool.TOKEN ? "norm" : "fc_norm";
    }

    /** Total number of scalars in {@link #parameterShapes()}. */
    public long parameterCount() {
        long n = 0;
        for (int[] s : parameterShapes().values()) {
            long k = 1;
            for (int x : s) k *= x;
            n += k;
        }
        return n;
    }

    // ---- presets ----

    /**
     * Named presets. The ImageNet ones are timm's {@code vit_{tiny,small,base}_patch16_224}.
     * The Fashion-MNIST ones (28×28×1, patch 4 → 7×7 = 49 patches, 10 classes):
     * {@code vit-fmnist-tiny} (width 64, depth 4, 4 heads of 16; ~0.2M parameters) is for tests,
     * demos and quick runs; {@code vit-fmnist-small} (width 96, depth 6, 3 heads of 32) is the
     * ViT-T/4 of ssl-spec.md §6, sized like ViM-T/4 (width 96, depth 6) so that backbone
     * comparisons use equal width and depth. All presets: learned position embedding, class-token
     * read-out, drop_path_rate 0 (a training config sets it).
     */
    public static VitConfig preset(String name) {
        return switch (name) {
            case "vit-tiny" -> imagenet(192, 3);
            case "vit-small" -> imagenet(384, 6);
            case "vit-base" -> imagenet(768, 12);
            case "vit-fmnist-tiny" -> fashionMnist(64, 4, 4);
            case "vit-fmnist-small" -> fashionMnist(96, 6, 3);
            default -> throw new IllegalArgumentException("unknown ViT preset '" + name + "'; known: " + presetNames());
        };
    }

    public static List<String> presetNames() {
        return List.of("vit-tiny", "vit-small", "vit-base", "vit-fmnist-tiny", "vit-fmnist-small");
    }

    private static VitConfig imagenet(int width, int heads) {
        return new VitConfig(224, 16, 3, width, 12, heads, 4.0, 1000, true, PosEmbed.LEARNED, 0.0, 1e-6, GlobalPool.TOKEN);
    }

    private static VitConfig fashionMnist(int width, int depth, int heads) {
        return new VitConfig(28, 4, 1, width, depth, heads, 4.0, 10, true, PosEmbed.LEARNED, 0.0, 1e-6, GlobalPool.TOKEN);
    }

    // ---- map / JSON ----

    /** {@link #fromMap} of a JSON object. */
    public static VitConfig fromJson(String json) {
        Object parsed;
        try {
            parsed = new ObjectMapper().readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("ViT config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) throw new IllegalArgumentException("ViT config must be a JSON object");
        @SuppressWarnings("unchecked") Map<String, ?> m = (Map<String, ?>) map;
        return fromMap(m);
    }

    /**
     * Builds a config from timm-named keys. With {@code preset}, every other key overrides that
     * preset. Without it, img_size, patch_size, embed_dim, depth, num_heads and num_classes are
     * required and the rest take timm's defaults (in_chans 3, mlp_ratio 4, class_token true,
     * pos_embed learned, drop_path_rate 0, norm_eps 1e-6, global_pool token). Unknown keys and
     * values of the wrong type are rejected, naming the key.
     */
    public static VitConfig fromMap(Map<String, ?> map) {
        for (String k : map.keySet()) {
            if (!k.equals("preset") && !KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown ViT config key '" + k + "'; known: preset, " + String.join(", ", KEYS));
            }
        }
        Map<String, Object> v;
        if (map.containsKey("preset")) {
            if (!(map.get("preset") instanceof String p)) throw new IllegalArgumentException("ViT config key 'preset' must be a string");
            v = preset(p).toMap();
        } else {
            for (String k : REQUIRED_WITHOUT_PRESET) {
                if (!map.containsKey(k)) throw new IllegalArgumentException("ViT config needs '" + k + "' (or a 'preset')");
            }
            v = new LinkedHashMap<>(Map.of("in_chans", 3, "mlp_ratio", 4.0, "class_token", true, "pos_embed", "learned",
                    "drop_path_rate", 0.0, "norm_eps", 1e-6, "global_pool", "token"));
        }
        for (var e : map.entrySet()) if (!e.getKey().equals("preset")) v.put(e.getKey(), e.getValue());
        return new VitConfig(integer(v, "img_size"), integer(v, "patch_size"), integer(v, "in_chans"),
                integer(v, "embed_dim"), integer(v, "depth"), integer(v, "num_heads"), number(v, "mlp_ratio"),
                integer(v, "num_classes"), bool(v, "class_token"),
                choice(v, "pos_embed", PosEmbed.class), number(v, "drop_path_rate"), number(v, "norm_eps"),
                choice(v, "global_pool", GlobalPool.class));
    }

    /** All keys with their values, in the order of the class comment ({@link #fromMap} reads it back). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("img_size", imgSize);
        m.put("patch_size", patchSize);
        m.put("in_chans", inChans);
        m.put("embed_dim", embedDim);
        m.put("depth", depth);
        m.put("num_heads", numHeads);
        m.put("mlp_ratio", mlpRatio);
        m.put("num_classes", numClasses);
        m.put("class_token", classToken);
        m.put("pos_embed", posEmbed.name().toLowerCase(java.util.Locale.ROOT));
        m.put("drop_path_rate", dropPathRate);
        m.put("norm_eps", normEps);
        m.put("global_pool", globalPool.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int integer(Map<String, Object> m, String key) {
        Object o = m.get(key);
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            long x = ((Number) o).longValue();
            if (x == (int) x) return (int) x;
        }
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw new IllegalArgumentException("ViT config key '" + key + "' must be an integer, got " + describe(o));
    }

    private static double number(Map<String, Object> m, String key) {
        if (m.get(key) instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("ViT config key '" + key + "' must be a number, got " + describe(m.get(key)));
    }

    private static boolean bool(Map<String, Object> m, String key) {
        if (m.get(key) instanceof Boolean b) return b;
        throw new IllegalArgumentException("ViT config key '" + key + "' must be true or false, got " + describe(m.get(key)));
    }

    private static <E extends Enum<E>> E choice(Map<String, Object> m, String key, Class<E> type) {
        Object o = m.get(key);
        if (o instanceof String s) {
            for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(s)) return e;
        }
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) known.append(known.length() == 0 ? "" : " | ").append(e.name().toLowerCase(java.util.Locale.ROOT));
        throw new IllegalArgumentException("ViT config key '" + key + "' must be " + known + ", got " + describe(o));
    }

    private static String describe(Object o) {
        return o == null ? "null" : o instanceof String s ? "'" + s + "'" : o + " (" + o.getClass().getSimpleName() + ")";
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("ViT config: " + message);
    }
}
