package org.semivim.engine.models;

/**
 * Forward FLOPs per image, 2 per multiply-add, counting the matrix products, convolutions, scans
 * and attention (the terms of vim-spec.md §7); norms and activations are left out, as is usual
 * for model-FLOP utilisation.
 */
final class ModelFlops {
    private ModelFlops() {}

    static double vim(VimConfig c) {
        double d = c.embedDim(), e = c.dInner(), n = c.dState(), r = c.resolvedDtRank(), k = c.dConv();
        double dirs = c.bidirectional() ? 2 : 1;
        double perToken = 2 * d * 2 * e                   // in_proj
                + 2 * e * d                                // out_proj
                + dirs * (2 * e * (r + 2 * n)              // x_proj
                + 2 * e * r                                // dt_proj
                + 2 * e * k                                // depthwise conv
                + 7 * e * n);                              // scan: exp(ΔA)·h + Δu·B, C·h (vim-spec §7: ≈14EN for both)
        double tokens = c.seqLen();
        double patch = 2.0 * c.numPatches() * c.patchDim() * d;
        double head = 2 * d * c.numClasses();
        return c.depth() * tokens * perToken + patch + head;
    }

    static double vit(VitConfig c) {
        double d = c.embedDim(), l = c.numTokens(), h = c.mlpHidden();
        double perToken = 2 * d * 3 * d                    // qkv
                + 2 * d * d                                // proj
                + 2 * 2 * d * h                            // fc1 + fc2
                + 2 * 2 * l * d;                           // q·kᵀ and p·v
        double patch = 2.0 * c.numPatches() * c.patchDim() * d;
        double head = 2 * d * c.numClasses();
        return c.depth() * l * perToken + patch + head;
    }
}
