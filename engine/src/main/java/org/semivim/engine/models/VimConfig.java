package org.semivim.engine.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The shape of a Vision Mamba (vim-spec.md §1): exactly the keys of the fixture manifest's
 * {@code config} (vim_ref.py {@code VimConfig}) plus {@code drop_path_rate}. Raw values are kept
 * as given ({@code stride = 0} means "= patch_size", {@code dt_rank = 0} means ceil(D/16)); the
 * derived sizes are methods ({@link #patchStride()}, {@link #grid()}, {@link #numPatches()},
 * {@link #seqLen()}, {@link #clsIndex()}, {@link #dInner()}, {@link #resolvedDtRank()}).
 *
 * <p>Presets ({@link #preset(String)}):
 * <table>
 * <caption>presets</caption>
 * <tr><th>name</th><th>image</th><th>patch</th><th>D</th><th>depth</th><th>classes</th><th>drop path</th><th>params</th></tr>
 * <tr><td>vim-tiny</td><td>3×224²</td><td>16 (196 patches)</td><td>192</td><td>24</td><td>1000</td><td>0.0</td><td>7,148,008</td></tr>
 * <tr><td>vim-small</td><td>3×224²</td><td>16</td><td>384</td><td>24</td><td>1000</td><td>0.05</td><td>25,796,584</td></tr>
 * <tr><td>vim-base</td><td>3×224²</td><td>16</td><td>768</td><td>24</td><td>1000</td><td>0.0</td><td>97,598,440</td></tr>
 * <tr><td>vim-fmnist-tiny</td><td>1×28²</td><td>4 (7×7 = 49 patches, L = 50)</td><td>64</td><td>4</td><td>10</td><td>0.0</td><td>168,138</td></tr>
 * <tr><td>vim-fmnist-small</td><td>1×28²</td><td>4 (49 patches)</td><td>128</td><td>6</td><td>10</td><td>0.05</td><td>818,826</td></tr>
 * </table>
 * All presets use the official mixer settings (d_state 16, expand 2, d_conv 4, dt_rank auto,
 * middle class token, bimamba v2 with /2, RMSNorm eps 1e-5). The drop-path rates of Ti and S are
 * those of the published pre-training scripts (vim-spec.md §1); vim-spec gives none for B, so the
 * preset uses 0. The Fashion-MNIST presets are small enough to train on a CPU: patch 4 keeps
 * 4×4 detail on 28×28 images with a sequence of 50 tokens.
 *
 * @param dropPathRate stochastic-depth rate of the last mixer; mixer j uses rate·j/(depth−1) (vim-spec.md §3)
 */
public record VimConfig(int imgSize, int patchSize, int stride, int inChans, int embedDim, int depth,
                        int dState, int expand, int dConv, int dtRank, int numClasses,
                        ClsMode clsMode, FinalPool finalPool, Bimamba bimamba, boolean divideOut,
                        double normEps, double dropPathRate) {

    /** Where the class token sits: middle (index M/2, official), head (index 0), or no class token. */
    public enum ClsMode { MIDDLE, HEAD, NONE }

    /** Read-out without a class token: mean over the tokens, or the last token. */
    public enum FinalPool { MEAN, LAST }

    /** v2: two directions with their own conv / x_proj / dt_proj / A / D (official); none: forward direction only. */
    public enum Bimamba { V2, NONE }

    /** The keys of {@link #toMap()} / {@link #fromMap}, in order. */
    public static final List<String> KEYS = List.of("img_size", "patch_size", "stride", "in_chans", "embed_dim", "depth",
            "d_state", "expand", "d_conv", "dt_rank", "num_classes", "cls_mode", "final_pool", "bimamba",
            "divide_out", "norm_eps", "drop_path_rate");

    /** vim_ref.py's defaults: Vim-Ti at 224 px without drop path. Keys missing in {@link #fromMap} take these. */
    public static final VimConfig DEFAULTS = new VimConfig(224, 16, 0, 3, 192, 24, 16, 2, 4, 0, 1000,
            ClsMode.MIDDLE, FinalPool.MEAN, Bimamba.V2, true, 1e-5, 0.0);

    private static final Map<String, VimConfig> PRESETS = presets();

    public VimConfig {
        requireAtLeast("img_size", imgSize, 1);
        if (patchSize < 1 || patchSize > imgSize) {
            throw bad("patch_size must be in [1, img_size = " + imgSize + "], got " + patchSize);
        }
        requireAtLeast("stride", stride, 0);
        requireAtLeast("in_chans", inChans, 1);
        requireAtLeast("embed_dim", embedDim, 1);
        requireAtLeast("depth", depth, 1);
        requireAtLeast("d_state", dState, 1);
        requireAtLeast("expand", expand, 1);
        requireAtLeast("d_conv", dConv, 1);
        requireAtLeast("dt_rank", dtRank, 0);
        requireAtLeast("num_classes", numClasses, 1);
        if (clsMode == null) throw bad("cls_mode must be one of " + names(ClsMode.values()) + ", got null");
        if (finalPool == null) throw bad("final_pool must be one of " + names(FinalPool.values()) + ", got null");
        if (bimamba == null) throw bad("bimamba must be one of " + names(Bimamba.values()) + ", got null");
        if (!(normEps > 0) || !Double.isFinite(normEps)) throw bad("norm_eps must be a finite number > 0, got " + normEps);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) throw bad("drop_path_rate must be in [0, 1), got " + dropPathRate);
        long tokens = (long) ((imgSize - patchSize) / (stride == 0 ? patchSize : stride) + 1);
        if (tokens * tokens + 1 > Integer.MAX_VALUE / Math.max(1, embedDim)) {
            throw bad("img_size " + imgSize + " with patch_size " + patchSize + " and stride " + stride + " gives too many tokens");
        }
    }

    // ---------------------------------------------------------------- derived sizes

    /** The patch stride s: {@code stride}, or {@code patch_size} when stride is 0. */
    public int patchStride() { return stride == 0 ? patchSize : stride; }

    /** Patches per side G = (img − p) / s + 1 (floor, as Conv2d). */
    public int grid() { return (imgSize - patchSize) / patchStride() + 1; }

    /** M = G². */
    public int numPatches() { return grid() * grid(); }

    public boolean hasClsToken() { return clsMode != ClsMode.NONE; }

    /** L = M + 1 with a class token, M without. */
    public int seqLen() { return numPatches() + (hasClsToken() ? 1 : 0); }

    /** Index of the class token in the sequence: M/2 (middle), 0 (head), or −1 when there is none. */
    public int clsIndex() {
        return switch (clsMode) {
            case MIDDLE -> numPatches() / 2;
            case HEAD -> 0;
            case NONE -> -1;
        };
    }

    /** E = expand · D. */
    public int dInner() { return expand * embedDim; }

    /** R: {@code dt_rank}, or ceil(D / 16) when it is 0 ("auto"). */
    public int resolvedDtRank() { return dtRank == 0 ? (embedDim + 15) / 16 : dtRank; }

    /** Values per patch C·p·p. */
    public int patchDim() { return inChans * patchSize * patchSize; }

    /** Whether the mixers have a backward direction. */
    public boolean bidirectional() { return bimamba == Bimamba.V2; }

    /**
     * DropPath rate applied to the output of mixer j (vim-spec.md §3): drop_path_rate · j/(depth−1),
     * so mixer 0 is never dropped and the last mixer (which feeds the final add) gets the full rate.
     */
    public double mixerDropRate(int j) {
        if (j < 0 || j >= depth) throw new IllegalArgumentException("mixer index " + j + " outside [0, " + depth + ")");
        return j == depth - 1 ? dropPathRate : dropPathRate * j / (depth - 1);
    }

    // ---------------------------------------------------------------- presets

    /** The preset called {@code name}; throws listing the known names. */
    public static VimConfig preset(String name) {
        VimConfig c = PRESETS.get(name);
        if (c == null) throw new IllegalArgumentException("unknown ViM preset '" + name + "'; known: " + PRESETS.keySet());
        return c;
    }

    /** Names of the presets, in a fixed order. */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    private static Map<String, VimConfig> presets() {
        Map<String, VimConfig> m = new LinkedHashMap<>();
        m.put("vim-tiny", imagenet(192, 0.0));
        m.put("vim-small", imagenet(384, 0.05));
        m.put("vim-base", imagenet(768, 0.0));
        m.put("vim-fmnist-tiny", fashionMnist(64, 4, 0.0));
        m.put("vim-fmnist-small", fashionMnist(128, 6, 0.05));
        return m;
    }

    private static VimConfig imagenet(int dim, double dropPath) {
        return new VimConfig(224, 16, 0, 3, dim, 24, 16, 2, 4, 0, 1000,
                ClsMode.MIDDLE, FinalPool.MEAN, Bimamba.V2, true, 1e-5, dropPath);
    }

    private static VimConfig fashionMnist(int dim, int depth, double dropPath) {
        return new VimConfig(28, 4, 0, 1, dim, depth, 16, 2, 4, 0, 10,
                ClsMode.MIDDLE, FinalPool.MEAN, Bimamba.V2, true, 1e-5, dropPath);
    }

    // ---------------------------------------------------------------- map / JSON form

    /** The config as an ordered map with the snake_case keys of {@link #KEYS}; enums as lower-case strings. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("img_size", imgSize);
        m.put("patch_size", patchSize);
        m.put("stride", stride);
        m.put("in_chans", inChans);
        m.put("embed_dim", embedDim);
        m.put("depth", depth);
        m.put("d_state", dState);
        m.put("expand", expand);
        m.put("d_conv", dConv);
        m.put("dt_rank", dtRank);
        m.put("num_classes", numClasses);
        m.put("cls_mode", key(clsMode));
        m.put("final_pool", key(finalPool));
        m.put("bimamba", key(bimamba));
        m.put("divide_out", divideOut);
        m.put("norm_eps", normEps);
        m.put("drop_path_rate", dropPathRate);
        return m;
    }

    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A config from a map of snake_case keys; missing keys take {@link #DEFAULTS}; unknown keys are rejected by name. */
    public static VimConfig fromMap(Map<String, ?> values) {
        return DEFAULTS.withOverrides(values);
    }

    /** A config from a JSON object with the keys of {@link #fromMap}. */
    public static VimConfig fromJson(String json) {
        Map<String, Object> m;
        try {
            m = new ObjectMapper().readValue(json, new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("VimConfig: not a JSON object: " + e.getOriginalMessage(), e);
        }
        return fromMap(m);
    }

    /** This config with the given snake_case keys replaced (e.g. a preset with another depth). */
    public VimConfig withOverrides(Map<String, ?> values) {
        for (String k : values.keySet()) {
            if (!KEYS.contains(k)) throw bad("unknown key '" + k + "'; known keys: " + KEYS);
        }
        Map<String, Object> merged = new TreeMap<>(toMap());
        merged.putAll(values);
        return new VimConfig(
                intOf(merged, "img_size"), intOf(merged, "patch_size"), intOf(merged, "stride"),
                intOf(merged, "in_chans"), intOf(merged, "embed_dim"), intOf(merged, "depth"),
                intOf(merged, "d_state"), intOf(merged, "expand"), intOf(merged, "d_conv"),
                intOf(merged, "dt_rank"), intOf(merged, "num_classes"),
                enumOf(merged, "cls_mode", ClsMode.values()),
                enumOf(merged, "final_pool", FinalPool.values()),
                enumOf(merged, "bimamba", Bimamba.values()),
                boolOf(merged, "divide_out"), doubleOf(merged, "norm_eps"), doubleOf(merged, "drop_path_rate"));
    }

    private static int intOf(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) return (int) d;
        }
        throw bad(key + " must be an integer, got " + describe(v));
    }

    private static double doubleOf(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw bad(key + " must be a number, got " + describe(v));
    }

    private static boolean boolOf(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Boolean b) return b;
        throw bad(key + " must be true or false, got " + describe(v));
    }

    /** The constant of {@code all} given as itself or by its lower-case name. */
    private static <E extends Enum<E>> E enumOf(Map<String, Object> m, String key, E[] all) {
        Object v = m.get(key);
        for (E e : all) {
            if (e == v || key(e).equals(v)) return e;
        }
        throw bad(key + " must be one of " + names(all) + ", got " + describe(v));
    }

    private static String describe(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    private static String key(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String names(Enum<?>[] all) {
        return Arrays.stream(all).map(VimConfig::key).collect(Collectors.joining("|"));
    }

    private static void requireAtLeast(String key, int value, int min) {
        if (value < min) throw bad(key + " must be >= " + min + ", got " + value);
    }

    private static IllegalArgumentException bad(String message) {
        return new IllegalArgumentException("VimConfig: " + message);
    }
}
