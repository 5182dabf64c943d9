package org.semivim.engine.models;

import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The official hustvl/Vim state-dict keys and shapes of a {@link VimConfig}, in torch
 * {@code state_dict()} order (vim-spec.md §6; vim_ref.py {@code param_specs}). The model's layers
 * declare the same list through their constructors; this flat listing is what tests, the double
 * reference and checkpoint tools compare against.
 */
public final class VimParameters {
    private VimParameters() {}

    /**
     * One key. {@code weightDecay} follows timm's optimizer factory (vim-spec.md §8): no decay for
     * tensors with at most one dimension, names ending in {@code .bias}, {@code cls_token} and
     * {@code pos_embed}; so A_log / A_b_log (2-D) are decayed.
     */
    public record Spec(String name, int[] shape, boolean weightDecay) {
        public Spec {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public int size() {
            return Shapes.numel(shape);
        }
    }

    /** Every key of the model, in state-dict order. */
    public static List<Spec> specs(VimConfig c) {
        int d = c.embedDim(), e = c.dInner(), n = c.dState(), r = c.resolvedDtRank(), k = c.dConv(), p = c.patchSize();
        List<Spec> s = new ArrayList<>();
        if (c.hasClsToken()) s.add(noDecay("cls_token", 1, 1, d));
        s.add(noDecay("pos_embed", 1, c.seqLen(), d));
        s.add(timm("patch_embed.proj.weight", d, c.inChans(), p, p));
        s.add(timm("patch_embed.proj.bias", d));
        s.add(timm("head.weight", c.numClasses(), d));
        s.add(timm("head.bias", c.numClasses()));
        for (int i = 0; i < c.depth(); i++) {
            String m = mixerPrefix(i);
            s.add(timm(m + "A_log", e, n));
            s.add(timm(m + "D", e));
            if (c.bidirectional()) {
                s.add(timm(m + "A_b_log", e, n));
                s.add(timm(m + "D_b", e));
            }
            s.add(timm(m + "in_proj.weight", 2 * e, d));
            s.add(timm(m + "conv1d.weight", e, 1, k));
            s.add(timm(m + "conv1d.bias", e));
            s.add(timm(m + "x_proj.weight", r + 2 * n, e));
            s.add(timm(m + "dt_proj.weight", e, r));
            s.add(timm(m + "dt_proj.bias", e));
            if (c.bidirectional()) {
                s.add(timm(m + "conv1d_b.weight", e, 1, k));
                s.add(timm(m + "conv1d_b.bias", e));
                s.add(timm(m + "x_proj_b.weight", r + 2 * n, e));
                s.add(timm(m + "dt_proj_b.weight", e, r));
                s.add(timm(m + "dt_proj_b.bias", e));
            }
            s.add(timm(m + "out_proj.weight", d, e));
            s.add(timm("layers." + i + ".norm.weight", d));
        }
        s.add(timm("norm_f.weight", d));
        return s;
    }

    /** {@code layers.<i>.mixer.} */
    public static String mixerPrefix(int layer) {
        return "layers." + layer + ".mixer.";
    }

    /** Total number of scalars. */
    public static long count(VimConfig c) {
        long total = 0;
        for (Spec s : specs(c)) total += s.size();
        return total;
    }

    /** A parameter set (zero values) holding exactly {@link #specs}, with their weight-decay flags. */
    public static ParameterSet parameterSet(VimConfig c) {
        ParameterSet.Builder b = ParameterSet.builder();
        for (Spec s : specs(c)) {
            if (s.weightDecay()) b.declare(s.name(), s.shape());
            else b.declareNoDecay(s.name(), s.shape());
        }
        ParameterSet set = b.build();
        for (Spec s : specs(c)) {
            if (set.get(s.name()).weightDecay() != s.weightDecay()) {
                throw new IllegalStateException("weight-decay rule of " + s.name() + " differs between Builder and VimParameters");
            }
        }
        return set;
    }

    private static Spec noDecay(String name, int... shape) {
        return new Spec(name, shape, false);
    }

    private static Spec timm(String name, int... shape) {
        return new Spec(name, shape, shape.length > 1 && !name.endsWith(".bias"));
    }
}
