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
    private final ParameterSet params;
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

    /** Builds the model on {@code ops} with the initial values of {@link VitInit} for {@code initSeed}. */
    public VisionTransformer(VitConfig cfg, Ops ops, long initSeed) {
        this.cfg = cfg;
        int d = cfg.embedDim();
        ParameterSet.Builder b = ParameterSet.builder();
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
        params = b.build();
        VitInit.initialize(cfg, params, initSeed);
    }

    public VitConfig config() { return cfg; }

    @Override
    public ParameterSet parameters() { return params; }

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
