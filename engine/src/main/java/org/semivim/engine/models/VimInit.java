package org.semivim.engine.models;

import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * The initial values the official {@code VisionMamba} constructor produces (vim-spec.md §8), drawn
 * from a {@link CounterRng} stream per parameter name ({@code "vim.init/<name>"}), so every tensor
 * is reproducible from (seed, name) alone and does not depend on the order tensors are visited.
 * Values are computed in double and rounded to float once. The laws match torch; the streams do not.
 */
public final class VimInit {
    /** timm's lecun_normal_ correction for cutting N(0,1) at ±2 (std of the truncated normal). */
    private static final double TRUNC_STD_CORRECTION = 0.87962566103423978;
    private static final double DT_MIN = 1e-3, DT_MAX = 0.1, DT_INIT_FLOOR = 1e-4;

    private VimInit() {}

    /** Overwrites every value of {@code params} (which must have exactly the layout of {@link VimParameters#specs}). */
    public static void initialize(VimConfig cfg, ParameterSet params, long seed) {
        requireLayout(cfg, params);
        for (Parameter p : params.parameters()) {
            RandomStream rs = CounterRng.of(seed, "vim.init/" + p.name()).cursor();
            fill(p.value(), rule(cfg, p.name()), rs);
        }
    }

    /** One tensor's law: a function from the element index and the stream to the value. */
    private interface Rule {
        double draw(int index, RandomStream rs);
    }

    private static Rule rule(VimConfig cfg, String name) {
        int d = cfg.embedDim(), e = cfg.dInner(), n = cfg.dState(), r = cfg.resolvedDtRank(), k = cfg.dConv();
        int mixer = name.indexOf(".mixer.");
        String leaf = mixer >= 0 ? name.substring(mixer + ".mixer.".length()) : name;   // e.g. "x_proj_b.weight"
        switch (name) {
            case "cls_token", "pos_embed", "head.weight":
                return (i, rs) -> rs.truncatedNormal(0.02, -2, 2);
            case "patch_embed.proj.weight": {
                double std = Math.sqrt(1.0 / cfg.patchDim()) / TRUNC_STD_CORRECTION; // lecun_normal_, fan_in = C·p²
                return (i, rs) -> rs.truncatedNormal(std, -2, 2);
            }
            case "patch_embed.proj.bias", "head.bias":
                return (i, rs) -> 0.0;
            case "norm_f.weight":
                return (i, rs) -> 1.0;
            default:
                break;
        }
        if (name.endsWith(".norm.weight")) return (i, rs) -> 1.0;
        switch (leaf) {
            case "A_log", "A_b_log":
                return (i, rs) -> Math.log(i % n + 1);                  // S4D-real: A[e, j] = −(j + 1)
            case "D", "D_b":
                return (i, rs) -> 1.0;
            case "in_proj.weight":
                return uniform(1.0 / Math.sqrt(d));                        // torch Linear default
            case "conv1d.weight", "conv1d.bias", "conv1d_b.weight", "conv1d_b.bias":
                return uniform(1.0 / Math.sqrt(k));                        // torch Conv1d default, fan_in = K
            case "x_proj.weight", "x_proj_b.weight":
                return uniform(1.0 / Math.sqrt(e));
            case "dt_proj.weight", "dt_proj_b.weight":
                return uniform(1.0 / Math.sqrt(r));                        // dt_init "random" / torch default: same law
            case "dt_proj.bias":
                return (i, rs) -> inverseSoftplus(Math.max(DT_INIT_FLOOR,
                        Math.exp(rs.uniformDouble() * (Math.log(DT_MAX) - Math.log(DT_MIN)) + Math.log(DT_MIN))));
            case "dt_proj_b.bias":
                return (i, rs) -> 0.0;                                     // official quirk: _init_weights zeroes it
            case "out_proj.weight": {
                double bound = 1.0 / Math.sqrt(e) / Math.sqrt(cfg.depth()); // GPT-2 style residual rescale
                return (i, rs) -> rs.uniform(-bound, bound);
            }
            default:
                throw new IllegalStateException("no initialisation rule for parameter " + name);
        }
    }

    private static Rule uniform(double bound) {
        return (i, rs) -> rs.uniform(-bound, bound);
    }

    /** softplus⁻¹(y) = y + log(−expm1(−y)) = log(eʸ − 1), as mamba_simple computes it. */
    static double inverseSoftplus(double y) {
        return y + Math.log(-Math.expm1(-y));
    }

    private static void fill(Tensor t, Rule rule, RandomStream rs) {
        for (int i = 0; i < t.size; i++) t.data[t.offset + i] = (float) rule.draw(i, rs);
    }

    private static void requireLayout(VimConfig cfg, ParameterSet params) {
        List<VimParameters.Spec> specs = VimParameters.specs(cfg);
        List<Parameter> have = params.parameters();
        if (have.size() != specs.size()) {
            throw new IllegalArgumentException("parameter set has " + have.size() + " tensors, the config needs " + specs.size());
        }
        for (int i = 0; i < specs.size(); i++) {
            VimParameters.Spec s = specs.get(i);
            Parameter p = have.get(i);
            if (!p.name().equals(s.name()) || !Arrays.equals(p.shape(), s.shape())) {
                throw new IllegalArgumentException("parameter " + i + " is " + p + " but the config needs "
                        + s.name() + Arrays.toString(s.shape()));
            }
        }
    }
}
