package org.semivim.training.pipeline;

import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The trainable and frozen parameters of the Semi-ViM supervised fine-tune (ssl-spec.md §2.7 step 2,
 * [ours] reading of "the forward/backward SSMs and the class token are updated"):
 * <pre>
 * trainable = {conv1d, x_proj, dt_proj, A_log, D and their _b twins, in every layer} ∪ {cls_token, norm_f, head}
 * frozen    = everything else = {patch_embed, pos_embed, in_proj, out_proj, the block norms}
 * </pre>
 * Full fine-tuning (Semi-ViT) freezes nothing.
 */
public final class FineTuneSets {
    private FineTuneSets() {}

    private static final Set<String> MIXER_TRAINABLE = Set.of("A_log", "D", "A_b_log", "D_b",
            "conv1d.weight", "conv1d.bias", "conv1d_b.weight", "conv1d_b.bias", "x_proj.weight", "x_proj_b.weight",
            "dt_proj.weight", "dt_proj.bias", "dt_proj_b.weight", "dt_proj_b.bias");
    private static final Set<String> TOP_TRAINABLE = Set.of("cls_token", "norm_f.weight", "head.weight", "head.bias");

    /** Whether the partial fine-tune updates the ViM parameter {@code name}. */
    public static boolean partiallyTrainable(String name) {
        if (TOP_TRAINABLE.contains(name)) return true;
        int m = name.indexOf(".mixer.");
        return name.startsWith("layers.") && m >= 0 && MIXER_TRAINABLE.contains(name.substring(m + ".mixer.".length()));
    }

    /** The names to freeze in {@code params} (a ViM's): the complement of the trainable set, or none when {@code full}. */
    public static Set<String> frozen(ParameterSet params, boolean full) {
        Set<String> out = new LinkedHashSet<>();
        if (full) return out;
        for (Parameter p : params.parameters()) if (!partiallyTrainable(p.name())) out.add(p.name());
        return out;
    }
}
