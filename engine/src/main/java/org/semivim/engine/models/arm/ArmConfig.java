package org.semivim.engine.models.arm;

import org.semivim.engine.models.VimConfig;

/**
 * The shape of an ARM pre-training model (ssl-spec.md §2.10) whose encoder transfers into the
 * bidirectional ViM {@code target}: the encoder is {@code target}'s forward direction (same
 * d_model, depth, d_state, expand, d_conv, dt_rank, patch, block RMSNorm) on images zero-padded by
 * {@code pad} pixels per side, with {@code bimamba none}, no class token and no drop path.
 *
 * <pre>
 * padded side S = img_size + 2·pad;  G = S / patch tokens per side;  clusters of c×c tokens (c = cluster_side)
 * K = (G/c)² clusters of c² tokens, raster order of clusters and raster order inside a cluster
 * encoder input: clusters 1..K−1 (1-based), (K−1)·c² tokens;  decoder queries / targets: clusters 2..K
 * feature layers {round(depth/2), round(2·depth/3), round(5·depth/6), depth} (1-based block counts)
 * </pre>
 * Fashion-MNIST (§2.10 [ours]): 28 + 2·2 = 32 px, patch 4 → 8×8 tokens, c = 2 → 16 clusters of 4.
 *
 * @param padValue       the value of the padding pixels in the model's (normalised) input units;
 *                       {@link #FASHION_MNIST_BLACK} is a black pixel after Fashion-MNIST normalisation
 * @param decoderDim     D_dec, the width of the cross-attention decoder
 * @param decoderDepth   number of decoder blocks (the spec's 4, Fashion-MNIST 2–4)
 * @param decoderHeadDim width of one decoder head (ARM: 64); heads = D_dec / head dim
 * @param mlpRatio       decoder MLP hidden width / D_dec (ARM: 4)
 */
public record ArmConfig(VimConfig target, int pad, double padValue, int clusterSide, int decoderDim, int decoderDepth,
                        int decoderHeadDim, double mlpRatio) {

    /** (0 − 0.286041) / 0.353024: a black pixel after the Fashion-MNIST normalisation (ssl-spec.md §1.1). */
    public static final double FASHION_MNIST_BLACK = -0.286041 / 0.353024;

    /** LayerNorm epsilon of the feature norms and the decoder (torch nn.LayerNorm default, as ARM). */
    public static final float LAYER_NORM_EPS = 1e-5f;

    public ArmConfig {
        if (target == null) throw bad("target ViM config is required");
        if (!target.bidirectional()) throw bad("the target ViM must be bidirectional (bimamba v2): the transfer copies into the _b branch");
        if (target.patchStride() != target.patchSize()) {
            throw bad("the target's stride must equal its patch size (non-overlapping patches), got stride " + target.patchStride());
        }
        if (pad < 0) throw bad("pad must be >= 0, got " + pad);
        if (!Double.isFinite(padValue)) throw bad("pad_value must be finite, got " + padValue);
        int side = target.imgSize() + 2 * pad;
        if (side % target.patchSize() != 0) {
            throw bad("padded side " + side + " is not a multiple of the patch " + target.patchSize());
        }
        int grid = side / target.patchSize();
        if (clusterSide < 1 || grid % clusterSide != 0) {
            throw bad("cluster_side must divide the " + grid + " tokens per side, got " + clusterSide);
        }
        if ((grid / clusterSide) * (grid / clusterSide) < 2) throw bad("need at least 2 clusters, got " + (grid / clusterSide) + "²");
        if (target.embedDim() % 4 != 0) throw bad("embed_dim must be divisible by 4 (2-D sin-cos positions), got " + target.embedDim());
        if (decoderDim < 4 || decoderDim % 4 != 0) throw bad("decoder_dim must be a positive multiple of 4, got " + decoderDim);
        if (decoderHeadDim < 1 || decoderDim % decoderHeadDim != 0) {
            throw bad("decoder_head_dim must divide decoder_dim " + decoderDim + ", got " + decoderHeadDim);
        }
        if (decoderDepth < 1 || decoderDepth > 64) throw bad("decoder_depth must be in [1, 64], got " + decoderDepth);
        if (!(mlpRatio > 0) || !Double.isFinite(mlpRatio)) throw bad("mlp_ratio must be a finite number > 0, got " + mlpRatio);
        if (target.patchDim() < 2) throw bad("norm_pix needs at least 2 pixels per patch, got " + target.patchDim());
    }

    /** The Fashion-MNIST defaults of §2.10 [ours] for {@code target}: pad 2, clusters of 2×2, decoder D_dec = 64, 2 blocks, 2 heads. */
    public static ArmConfig fashionMnist(VimConfig target) {
        return new ArmConfig(target, 2, FASHION_MNIST_BLACK, 2, 64, 2, 32, 4.0);
    }

    /** The encoder's own ViM config: the target's forward direction on the padded image, no class token, no drop path. */
    public VimConfig encoderConfig() {
        return new VimConfig(paddedSize(), target.patchSize(), 0, target.inChans(), target.embedDim(), target.depth(), target.dState(),
                target.expand(), target.dConv(), target.dtRank(), target.numClasses(), VimConfig.ClsMode.NONE, VimConfig.FinalPool.MEAN,
                VimConfig.Bimamba.NONE, target.divideOut(), target.normEps(), 0.0);
    }

    public int paddedSize() { return target.imgSize() + 2 * pad; }

    /** G, tokens per side of the padded image. */
    public int grid() { return paddedSize() / target.patchSize(); }

    /** K, the number of clusters. */
    public int clusters() { int k = grid() / clusterSide; return k * k; }

    /** c², tokens per cluster. */
    public int tokensPerCluster() { return clusterSide * clusterSide; }

    /** (K − 1)·c²: encoder tokens, and also decoder queries. */
    public int sequenceLength() { return (clusters() - 1) * tokensPerCluster(); }

    public int embedDim() { return target.embedDim(); }

    public int decoderHeads() { return decoderDim / decoderHeadDim; }

    public int decoderHidden() { return (int) (decoderDim * mlpRatio); }

    /** Pixels per patch C·p², the prediction width. */
    public int patchPixels() { return target.patchDim(); }

    /**
     * The 1-based block counts whose outputs feed the decoder: round(depth/2), round(2·depth/3),
     * round(5·depth/6), depth (half-up rounding; depth 12 → 6, 8, 10, 12; 24 → 12, 16, 20, 24;
     * 6 → 3, 4, 5, 6; 4 → 2, 3, 3, 4 — a repeated layer is read twice through two LayerNorms).
     */
    public int[] featureLayers() {
        int d = target.depth();
        return new int[]{Math.max(1, (int) Math.round(d / 2.0)), Math.max(1, (int) Math.round(2.0 * d / 3)),
                Math.max(1, (int) Math.round(5.0 * d / 6)), d};
    }

    /**
     * Sequence position → patch index (row·G + col) of the regrouped token order: position
     * s = k·c² + w is token w (raster inside the cluster) of cluster k (raster over clusters).
     */
    public int[] clusterOrder() {
        int g = grid(), c = clusterSide, perSide = g / c;
        int[] order = new int[g * g];
        for (int k = 0; k < perSide * perSide; k++) {
            for (int w = 0; w < c * c; w++) {
                int row = (k / perSide) * c + w / c, col = (k % perSide) * c + w % c;
                order[k * c * c + w] = row * g + col;
            }
        }
        return order;
    }

    private static IllegalArgumentException bad(String message) {
        return new IllegalArgumentException("ArmConfig: " + message);
    }
}
