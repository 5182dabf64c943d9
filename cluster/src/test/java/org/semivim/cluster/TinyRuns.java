package org.semivim.cluster;

import org.semivim.training.config.TrainConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small configurations for the actor tests (the same as the training module's TinyRuns): 4 classes of
 * generated 12×12 images, a long-tailed split, a ViM of width 16 and depth 2.
 */
final class TinyRuns {
    /** Some but not all unlabeled samples pass this at initialisation with the tiny ViM. */
    public static final double PARTIAL_TAU_VIM = 0.272;

    private TinyRuns() {}

    public static Map<String, Object> vim(double dropPath) {
        return new LinkedHashMap<>(Map.of("arch", "vim", "img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "d_state", 4, "num_classes", 4, "drop_path_rate", dropPath));
    }

    public static Map<String, Object> data() {
        Map<String, Object> protocol = new LinkedHashMap<>(Map.of("kind", "A", "name", "tiny-A", "validation_per_class", 5,
                "labeled_head", 20, "labeled_gamma", 4, "unlabeled_head", 30, "unlabeled_gamma", 4));
        Map<String, Object> generated = new LinkedHashMap<>(Map.of("classes", 4, "per_class", 60, "test_per_class", 10, "size", 12, "seed", 3));
        return new LinkedHashMap<>(Map.of("source", "generated", "generated", generated, "protocol", protocol, "split_seed", 1));
    }

    /** {@code method} on the tiny data: B_l 8, mu_ratio 2, 4 shards, lr 3e-3, warm-up 2, a partial confidence mask. */
    public static Map<String, Object> configMap(String method, long steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", vim(0.1));
        m.put("data", data());
        m.put("seed", 7);
        m.put("steps", steps);
        m.put("b_l", 8);
        if (!method.equals("supervised")) {
            m.put("mu_ratio", 2);
            m.put("tau", PARTIAL_TAU_VIM);
        }
        m.put("lr", 3e-3);
        m.put("warmup", 2);
        return m;
    }

    public static TrainConfig config(String method, long steps) {
        return TrainConfig.fromMap(configMap(method, steps));
    }
}
