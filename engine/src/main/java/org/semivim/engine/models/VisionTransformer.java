package org.semivim.engine.models;

import org.semivim.engine.layers.LayerNorm;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.layers.PatchEmbed;
import org.semivim.engine.layers.TransformerBlock;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The Vision Transformer classifier in float (timm VisionTransformer semantics, see {@link VitConfig}
 * and its double twin {@link org.semivim.engine.reference.VitRef}). Parameters carry timm's names in
 * state-dict order; cls_token and pos_embed are not weight-decayed (timm {@code no_weight_decay}).
 * Drop-path: block i uses the generator {@code mode.dropRng().derive(i)}; its attention branch of
 * sample b is kept by the draw at counter b, its MLP branch by the draw at counter B + b.
 */
public final class VisionTransformer implements ImageClassifier {
    private final VitConfig cfg;
    private ParameterSet params;         // null while declared into a shared builder and not yet attached
    private final Parameter clsToken;    // [1,1,D] or null
    private final Parameter posEmbed;    // [1,T,D] learned, or null
    private final Tensor fixedPosEmbed;  // [T,D] sin-cos, or null
    private final PatchEmbed patchEmbed;
    private final TransformerBlock[] blocks;
    private final LayerNorm finalNorm;
    private final Linear head;

    /** The pass: the logits and what the backward needs. */
    private record VitPass(Tensor images, TransformerBlock.Output[] blocks, Tensor pooled, LayerNorm.Output norm,
                           Tensor logits) implements Pass {}

    /** The MAE encoder pass over the visible patches: the normed latent and what the backward needs. */
    public record VisiblePass(Tensor images, int[][] keep, TransformerBlock.Output[] blocks, Tensor x, LayerNorm.Output norm) {
        /** latent [B, 1 + K, D]: the final LayerNorm of every token (class token first). */
        public Tensor latent() { return norm.y(); }
    }

    /** Builds the model on {@code ops} with the initial values of {@link VitInit} for {@code initSeed}. */
    public VisionTransformer(VitConfig cfg, Ops ops, long initSeed) {
        this(cfg, ops, ParameterSet.builder(), true);
        VitInit.initialize(cfg, params, initSeed);
    }

    /**
     * Declares this model's parameters (timm names, no prefix) into {@code shared}, a builder the
     * caller goes on to fill and build (e.g. the MAE: encoder + decoder in one set). Values are not
     * initialised; call {@link #attach} with the built set before {@link #parameters()}.
     */
    public VisionTransformer(VitConfig cfg, Ops ops, ParameterSet.Builder shared) {
        this(cfg, ops, shared, false);
    }

    private VisionTransformer(VitConfig cfg, Ops ops, ParameterSet.Builder b, boolean ownSet) {
        this.cfg = cfg;
        int d = cfg.embedDim();
        clsToken = cfg.classToken() ? b.declareNoDecay("cls_token", 1, 1, d) : null;
        posEmbed = cfg.posEmbed() == VitConfig.PosEmbed.LEARNED ? b.declareNoDecay("pos_embed", 1, cfg.numTokens(), d) : null;
        fixedPosEmbed = cfg.posEmbed() == VitConfig.PosEmbed.SINCOS ? toFloat(SinCosPositionEmbedding.table(cfg), cfg.numTokens(), d) : null;
        patchEmbed = new PatchEmbed(ops, b, "patch_embed", cfg.inChans(), d, cfg.patchSize(), cfg.patchSize());
        blocks = new TransformerBlock[cfg.depth()];
        double[] rates = cfg.dropPathRates();
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new TransformerBlock(ops, b, "blocks." + i, d, cfg.numHeads(), cfg.mlpHidden(), (float) cfg.normEps(), rates[i]);
        }
        finalNorm = new LayerNorm(ops, b, cfg.finalNormName(), d, (float) cfg.normEps());
        head = new Linear(ops, b, "head", d, cfg.numClasses(), true);
        params = ownSet ? b.build() : null;
    }

    /**
     * For a model declared into a shared builder: the built set that holds this model's parameters
     * (checked by identity), returned by {@link #parameters()} from now on.
     */
    public void attach(ParameterSet built) {
        if (params != null) throw new IllegalStateException("this VisionTransformer already has its parameter set");
        for (Parameter p : new Parameter[]{clsToken, posEmbed, patchEmbed.weight(), finalNorm.weight(), head.weight()}) {
            if (p != null && (!built.contains(p.name()) || built.get(p.name()) != p)) {
                throw new IllegalArgumentException("parameter set does not hold this model's parameter " + p.name());
            }
        }
        params = built;
    }

    public VitConfig config() { return cfg; }

    @Override
    public ParameterSet parameters() {
        if (params == null) throw new IllegalStateException("VisionTransformer declared into a shared builder: attach the built set first");
        return params;
    }

    @Override
    public int numClasses() { return cfg.numClasses(); }

    @Override
    public int[] inputShape() { return new int[]{cfg.inChans(), cfg.imgSize(), cfg.imgSize()}; }

    @Override
    public Pass forward(Tensor images, ForwardMode mode) {
        if (mode.ssMixup() != null) {
            throw new IllegalArgumentException("SSMixup is a term of the Vision Mamba mixer (ssl-spec.md §2.6.2); the ViT has no such term");
        }
        checkImages(images, "images");
        int batch = images.dim(0), d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens();
        Tensor input = images.copy(); // the patch embedding's backward re-reads the pixels
        Tensor tokens = patchEmbed.forward(input); // [B,N,D]
        Tensor pos = posEmbed != null ? posEmbed.value() : fixedPosEmbed;
        Tensor x = Tensor.zeros(batch, t, d);      // [B,T,D] = [cls; tokens] + pos
        for (int b = 0; b < batch; b++) {
            int xb = x.offset + b * t * d;
            if (pre == 1) System.arraycopy(clsToken.value().data, clsToken.value().offset, x.data, xb, d);
            System.arraycopy(tokens.data, tokens.offset + b * n * d, x.data, xb + pre * d, n * d);
            for (int k = 0; k < t * d; k++) x.data[xb + k] += pos.data[pos.offset + k];
        }
        TransformerBlock.Output[] saved = new TransformerBlock.Output[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            CounterRng rng = mode.training() ? mode.dropRng().derive(i) : null;
            saved[i] = blocks[i].forward(x, mode.training(), rng);
            x = saved[i].y();
        }
        Tensor pooled = pool(x, batch);            // [B,D]
        LayerNorm.Output norm = finalNorm.forward(pooled);
        return new VitPass(input, saved, pooled, norm, head.forward(norm.y()));
    }

    @Override
    public void backward(Pass pass, Tensor dLogits, Tensor dImages) {
        if (!(pass instanceof VitPass p)) throw new IllegalArgumentException("not a pass of this VisionTransformer: " + pass);
        int batch = p.images().dim(0), d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens();
        dLogits.requireShape("dLogits", batch, cfg.numClasses());
        if (dImages != null) dImages.requireShape("dImages", p.images().shape());
        Tensor dFeatures = Tensor.zeros(batch, d);
        head.backward(p.norm().y(), dLogits, dFeatures);
        Tensor dPooled = Tensor.zeros(batch, d);
        finalNorm.backward(p.pooled(), p.norm(), dFeatures, dPooled);
        Tensor dx = unpool(dPooled, batch);        // [B,T,D]
        for (int i = blocks.length - 1; i >= 0; i--) {
            Tensor dIn = Tensor.zeros(batch, t, d);
            blocks[i].backward(p.blocks()[i], dx, dIn);
            dx = dIn;
        }
        for (int b = 0; b < batch; b++) {
            int xb = dx.offset + b * t * d;
            if (clsToken != null) addInto(clsToken.grad(), dx.data, xb, d);
            if (posEmbed != null) addInto(posEmbed.grad(), dx.data, xb, t * d);
        }
        Tensor dTokens = Tensor.zeros(batch, n, d); // [B,N,D]
        for (int b = 0; b < batch; b++) System.arraycopy(dx.data, dx.offset + (b * t + pre) * d, dTokens.data, b * n * d, n * d);
        patchEmbed.backward(p.images(), dTokens, dImages);
    }

    /**
     * The MAE encoder ({@code models_mae.py forward_encoder}) on the visible patches only:
     * x = patch_embed(images) + pos[prefix:]; per sample b keep the patches {@code keep[b]} (in that
     * order, K of them); prepend cls_token + pos[0]; the blocks (drop-path as {@link #forward}, block i
     * from {@code mode.dropRng().derive(i)}); the final {@code norm} on every token. Needs a class token
     * and the token read-out (whose final LayerNorm is MAE's encoder {@code norm}).
     *
     * @param keep [B][K] patch indices in [0, N), distinct per sample, the same K for every sample
     * @return the pass; {@link VisiblePass#latent()} is [B, 1 + K, D]
     */
    public VisiblePass forwardVisible(Tensor images, int[][] keep, ForwardMode mode) {
        if (cfg.globalPool() != VitConfig.GlobalPool.TOKEN) {
            throw new IllegalArgumentException("the MAE encoder pass needs a class token and global_pool 'token' (its final norm is MAE's encoder norm)");
        }
        checkImages(images, "images");
        int batch = images.dim(0), d = cfg.embedDim(), n = cfg.numPatches();
        int k = checkKeep(keep, batch, n);
        Tensor input = images.copy();
        Tensor tokens = patchEmbed.forward(input); // [B,N,D]
        Tensor pos = posEmbed != null ? posEmbed.value() : fixedPosEmbed; // [T,D], row 0 the class token's
        int len = 1 + k;
        Tensor x = Tensor.zeros(batch, len, d);    // [B,1+K,D]
        for (int b = 0; b < batch; b++) {
            int xb = b * len * d;
            for (int j = 0; j < d; j++) x.data[xb + j] = clsToken.value().data[clsToken.value().offset + j] + pos.data[pos.offset + j];
            for (int r = 0; r < k; r++) {
                int m = keep[b][r], src = tokens.offset + (b * n + m) * d, ps = pos.offset + (1 + m) * d, dst = xb + (1 + r) * d;
                for (int j = 0; j < d; j++) x.data[dst + j] = tokens.data[src + j] + pos.data[ps + j];
            }
        }
        TransformerBlock.Output[] saved = new TransformerBlock.Output[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            CounterRng rng = mode.training() ? mode.dropRng().derive(i) : null;
            saved[i] = blocks[i].forward(x, mode.training(), rng);
            x = saved[i].y();
        }
        return new VisiblePass(input, copyKeep(keep), saved, x, finalNorm.forward(x));
    }

    /** Accumulates the parameter gradients (and dImages [B,C,S,S] when not null) from dLatent [B,1+K,D]. */
    public void backwardVisible(VisiblePass p, Tensor dLatent, Tensor dImages) {
        int batch = p.images().dim(0), d = cfg.embedDim(), n = cfg.numPatches(), k = p.keep()[0].length, len = 1 + k;
        dLatent.requireShape("dLatent", batch, len, d);
        if (dImages != null) dImages.requireShape("dImages", p.images().shape());
        Tensor dx = Tensor.zeros(batch, len, d);
        finalNorm.backward(p.x(), p.norm(), dLatent, dx);
        for (int i = blocks.length - 1; i >= 0; i--) {
            Tensor dIn = Tensor.zeros(batch, len, d);
            blocks[i].backward(p.blocks()[i], dx, dIn);
            dx = dIn;
        }
        Tensor dTokens = Tensor.zeros(batch, n, d); // [B,N,D]; masked patches get 0
        for (int b = 0; b < batch; b++) {
            int xb = b * len * d;
            addInto(clsToken.grad(), dx.data, xb, d);
            if (posEmbed != null) {
                Tensor g = posEmbed.grad();
                for (int j = 0; j < d; j++) g.data[g.offset + j] += dx.data[xb + j];
            }
            for (int r = 0; r < k; r++) {
                int m = p.keep()[b][r], src = xb + (1 + r) * d;
                System.arraycopy(dx.data, src, dTokens.data, (b * n + m) * d, d);
                if (posEmbed != null) {
                    Tensor g = posEmbed.grad();
                    for (int j = 0; j < d; j++) g.data[g.offset + (1 + m) * d + j] += dx.data[src + j];
                }
            }
        }
        patchEmbed.backward(p.images(), dTokens, dImages);
    }

    private static int checkKeep(int[][] keep, int batch, int n) {
        if (keep == null || keep.length != batch) {
            throw new IllegalArgumentException("keep must list the visible patches of each of the " + batch + " samples");
        }
        int k = keep[0].length;
        if (k < 1 || k > n) throw new IllegalArgumentException("keep must name between 1 and " + n + " patches per sample, got " + k);
        for (int b = 0; b < batch; b++) {
            if (keep[b].length != k) throw new IllegalArgumentException("sample " + b + " keeps " + keep[b].length + " patches, sample 0 keeps " + k);
            boolean[] seen = new boolean[n];
            for (int m : keep[b]) {
                if (m < 0 || m >= n || seen[m]) throw new IllegalArgumentException("sample " + b + ": patch index " + m + " is outside [0, " + n + ") or repeated");
                seen[m] = true;
            }
        }
        return k;
    }

    private static int[][] copyKeep(int[][] keep) {
        int[][] c = new int[keep.length][];
        for (int b = 0; b < keep.length; b++) c[b] = keep[b].clone();
        return c;
    }

    /** [B,T,D] → [B,D]: the class token, or the mean of the patch tokens (summed in double). */
    private Tensor pool(Tensor x, int batch) {
        int d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens();
        Tensor pooled = Tensor.zeros(batch, d);
        for (int b = 0; b < batch; b++) {
            int xb = x.offset + b * t * d;
            if (cfg.globalPool() == VitConfig.GlobalPool.TOKEN) {
                System.arraycopy(x.data, xb, pooled.data, b * d, d); // norm is per token: norm-then-pick = pick-then-norm
            } else {
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (int m = 0; m < n; m++) s += x.data[xb + (pre + m) * d + j];
                    pooled.data[b * d + j] = (float) (s / n);
                }
            }
        }
        return pooled;
    }

    /** The adjoint of {@link #pool}: dPooled [B,D] → d(residual stream) [B,T,D]. */
    private Tensor unpool(Tensor dPooled, int batch) {
        int d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens();
        Tensor dx = Tensor.zeros(batch, t, d);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                float g = dPooled.data[dPooled.offset + b * d + j];
                if (cfg.globalPool() == VitConfig.GlobalPool.TOKEN) dx.data[b * t * d + j] = g;
                else for (int m = 0; m < n; m++) dx.data[(b * t + pre + m) * d + j] = g / n;
            }
        }
        return dx;
    }

    private void checkImages(Tensor images, String what) {
        int[] s = images.shape();
        if (s.length != 4 || s[0] < 1 || s[1] != cfg.inChans() || s[2] != cfg.imgSize() || s[3] != cfg.imgSize()) {
            throw new IllegalArgumentException("VisionTransformer " + what + " must be [B," + cfg.inChans() + "," + cfg.imgSize() + ","
                    + cfg.imgSize() + "] with B ≥ 1, got " + Arrays.toString(s));
        }
    }

    private static void addInto(Tensor acc, float[] src, int srcOffset, int count) {
        for (int k = 0; k < count; k++) acc.data[acc.offset + k] += src[srcOffset + k];
    }

    private static Tensor toFloat(double[] v, int rows, int cols) {
        Tensor t = Tensor.zeros(rows, cols);
        for (int i = 0; i < v.length; i++) t.set(i, (float) v[i]);
        return t;
    }
}
