package org.semivim.training.testing;

import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small configurations for tests: 4 classes of generated 12×12 images (data module's
 * GeneratedDataset), a long-tailed split of them, and ViM / ViT models of width 16.
 */
public final class TinyRuns {
    public static final int CLASSES = 4;
    public static final int SIZE = 12;
    /**
     * Thresholds that some but not all unlabeled samples pass at initialisation: the untrained tiny
     * models are barely more confident than chance (1/4): ViM about 0.26–0.28, ViT about 0.32–0.52.
     */
    public static final double PARTIAL_TAU_VIM = 0.272, PARTIAL_TAU_VIT = 0.38;

    private TinyRuns() {}

    /** A ViM with img 12, patch 4 (9 patches), width 16, depth 2, d_state 4. */
    public static Map<String, Object> vim(double dropPath) {
        return new LinkedHashMap<>(Map.of("arch", "vim", "img_size", SIZE, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "d_state", 4, "num_classes", CLASSES, "drop_path_rate", dropPath));
    }

    /** A ViT with img 12, patch 4, width 16, depth 1, 2 heads. */
    public static Map<String, Object> vit(double dropPath) {
        return new LinkedHashMap<>(Map.of("arch", "vit", "img_size", SIZE, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 1, "num_heads", 2, "num_classes", CLASSES, "drop_path_rate", dropPath));
    }

    /** Generated data: 60 images per class; split A with 5 validation, labeled head 20 (γ 4), unlabeled head 30 (γ 4). */
    public static Map<String, Object> data() {
        Map<String, Object> protocol = new LinkedHashMap<>(Map.of("kind", "A", "name", "tiny-A", "validation_per_class", 5,
                "labeled_head", 20, "labeled_gamma", 4, "unlabeled_head", 30, "unlabeled_gamma", 4));
        Map<String, Object> generated = new LinkedHashMap<>(Map.of("classes", CLASSES, "per_class", 60, "test_per_class", 10,
                "size", SIZE, "seed", 3));
        return new LinkedHashMap<>(Map.of("source", "generated", "generated", generated, "protocol", protocol, "split_seed", 1));
    }

    /** A config map for {@code method} on the tiny data with B_l 8, mu_ratio 2, 4 shards, lr 3e-3, warm-up 2. */
    public static Map<String, Object> configMap(String method, Map<String, Object> model, long steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", model);
        m.put("data", data());
        m.put("seed", 7);
        m.put("steps", steps);
        m.put("b_l", 8);
        if (!method.equals("supervised")) m.put("mu_ratio", 2);
        m.put("lr", 3e-3);
        m.put("warmup", 2);
        return m;
    }

    public static TrainConfig config(String method, Map<String, Object> model, long steps) {
        return TrainConfig.fromMap(configMap(method, model, steps));
    }

    public static TrainConfig config(Map<String, Object> map) {
        return TrainConfig.fromMap(map);
    }

    /** The data of any tiny config (all share it). */
    public static TrainingData loadData(TrainConfig config) {
        return TrainingData.load(config.data());
    }

    public static List<String> methodsRunNow() {
        return List.of("supervised", "fixmatch", "ema_teacher", "lyapema", "lyapema_probmixup", "lyapema_ssmixup");
    }
}
