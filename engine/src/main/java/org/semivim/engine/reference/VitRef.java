package org.semivim.engine.reference;

import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VitConfig;

import java.util.Map;

import static org.semivim.engine.reference.ActivationRef.geluBackward;
import static org.semivim.engine.reference.ActivationRef.geluForward;
import static org.semivim.engine.reference.LinearRef.linearBackward;
import static org.semivim.engine.reference.LinearRef.linearForward;
import static org.semivim.engine.reference.NormRef.layerNormBackward;
import static org.semivim.engine.reference.NormRef.layerNormForward;

/**
 * The whole Vision Transformer in double precision (timm VisionTransformer semantics, see
 * {@link VitConfig}): the reference the float model is tested against, and itself checked by finite
 * differences. Parameters and their gradients are maps from timm names to flat row-major arrays
 * with the shapes of {@link VitConfig#parameterShapes()}.
 *
 * <pre>
 * x = [cls; patch_embed(img)] + pos                    [B,T,D]
 * per block:  x = x + s_attn · proj(attn(qkv(norm1(x))))
 *             x = x + s_mlp  · fc2(gelu(fc1(norm2(x))))
 * read-out:   token: norm(x[:,0])   avg: fc_norm(mean_t x[:,prefix:])      [B,D]
 * logits = head(features)                              [B,K]
 * </pre>
 * s_attn, s_mlp are per-sample drop-path scales (kept/keep, i.e. 0 or 1/(1 − rate)); all 1 in evaluation.
 */
public final class VitRef {
    private VitRef() {}

    /** One block's input x, output, and what its backward needs; every array is [B,T,·] or [B·T] unless noted. */
    public record BlockActivations(double[] x, double[] h1, double[] mean1, double[] rstd1, double[] qkv,
                                   double[] probs /* [B,H,T,T] */, double[] attn, double[] x1, double[] h2,
                                   double[] mean2, double[] rstd2, double[] fc1, double[] act, double[] out) {}

    /** One forward pass: the logits [B,K] and everything the backward needs. */
    public record Forward(int batch, double[] patches /* [B,N,C·p·p] */, BlockActivations[] blocks,
                          double[] pooled /* [B,D] */, double[] poolMean, double[] poolRstd /* [B] */,
                          double[] features /* [B,D] */, double[] logits /* [B,K] */, double[][][] dropScales) {}

    /**
     * images [B,C,S,S] → logits. {@code dropScales[block][0 = attention, 1 = MLP][b]} multiplies that
     * residual branch of sample b; null means all 1 (evaluation).
     */
    public static Forward forward(VitConfig cfg, Map<String, double[]> p, double[] images, int batch, double[][][] dropScales) {
        int d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens(), pd = cfg.patchDim();
        if (images.length != batch * cfg.inChans() * cfg.imgSize() * cfg.imgSize()) {
            throw new IllegalArgumentException("images hold " + images.length + " values, not " + batch + " images of "
                    + cfg.inChans() + "x" + cfg.imgSize() + "x" + cfg.imgSize());
        }
        double[] patches = new double[batch * n * pd];
        ConvRef.patchify(images, batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize(), cfg.patchSize(), cfg.patchSize(), patches);
        double[] tokens = new double[batch * n * d]; // [B,N,D]
        linearForward(patches, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"), tokens, batch * n, pd, d);

        double[] pos = positionTable(cfg, p); // [T,D]
        double[] x = new double[batch * t * d]; // [B,T,D]
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                if (pre == 1) x[(b * t) * d + j] = p.get("cls_token")[j] + pos[j];
                for (int m = 0; m < n; m++) x[(b * t + pre + m) * d + j] = tokens[(b * n + m) * d + j] + pos[(pre + m) * d + j];
            }
        }

        BlockActivations[] blocks = new BlockActivations[cfg.depth()];
        for (int i = 0; i < cfg.depth(); i++) {
            blocks[i] = blockForward(cfg, p, "blocks." + i + ".", x, batch, dropScales == null ? null : dropScales[i]);
            x = blocks[i].out();
        }

        double[] pooled = new double[batch * d]; // [B,D]
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                if (cfg.globalPool() == VitConfig.GlobalPool.TOKEN) {
                    pooled[b * d + j] = x[(b * t) * d + j]; // norm is per token, so norm-then-pick = pick-then-norm
                } else {
                    double s = 0;
                    for (int m = 0; m < n; m++) s += x[(b * t + pre + m) * d + j];
                    pooled[b * d + j] = s / n;
                }
            }
        }
        String norm = cfg.finalNormName();
        double[] features = new double[batch * d], poolMean = new double[batch], poolRstd = new double[batch];
        layerNormForward(pooled, p.get(norm + ".weight"), p.get(norm + ".bias"), cfg.normEps(), features, poolMean, poolRstd, batch, d);
        double[] logits = new double[batch * cfg.numClasses()];
        linearForward(features, p.get("head.weight"), p.get("head.bias"), logits, batch, d, cfg.numClasses());
        return new Forward(batch, patches, blocks, pooled, poolMean, poolRstd, features, logits, dropScales);
    }

    /** x1 = x + s_attn·proj(attn(qkv(norm1(x)))); out = x1 + s_mlp·fc2(gelu(fc1(norm2(x1)))). */
    private static BlockActivations blockForward(VitConfig cfg, Map<String, double[]> p, String pre, double[] x,
                                                 int batch, double[][] scales) {
        int d = cfg.embedDim(), t = cfg.numTokens(), rows = batch * t, hid = cfg.mlpHidden();
        double[] h1 = new double[rows * d], mean1 = new double[rows], rstd1 = new double[rows];
        layerNormForward(x, p.get(pre + "norm1.weight"), p.get(pre + "norm1.bias"), cfg.normEps(), h1, mean1, rstd1, rows, d);
        double[] qkv = new double[rows * 3 * d];
        linearForward(h1, p.get(pre + "attn.qkv.weight"), p.get(pre + "attn.qkv.bias"), qkv, rows, d, 3 * d);
        double[] probs = new double[batch * cfg.numHeads() * t * t], attn = new double[rows * d];
        AttentionRef.attentionForward(qkv, batch, t, cfg.numHeads(), cfg.headDim(), probs, attn);
        double[] proj = new double[rows * d];
        linearForward(attn, p.get(pre + "attn.proj.weight"), p.get(pre + "attn.proj.bias"), proj, rows, d, d);
        double[] x1 = x.clone();
        addScaled(x1, proj, scales == null ? null : scales[0], batch, t * d);

        double[] h2 = new double[rows * d], mean2 = new double[rows], rstd2 = new double[rows];
        layerNormForward(x1, p.get(pre + "norm2.weight"), p.get(pre + "norm2.bias"), cfg.normEps(), h2, mean2, rstd2, rows, d);
        double[] fc1 = new double[rows * hid], act = new double[rows * hid];
        linearForward(h2, p.get(pre + "mlp.fc1.weight"), p.get(pre + "mlp.fc1.bias"), fc1, rows, d, hid);
        geluForward(fc1, act);
        double[] fc2 = new double[rows * d];
        linearForward(act, p.get(pre + "mlp.fc2.weight"), p.get(pre + "mlp.fc2.bias"), fc2, rows, hid, d);
        double[] out = x1.clone();
        addScaled(out, fc2, scales == null ? null : scales[1], batch, t * d);
        return new BlockActivations(x, h1, mean1, rstd1, qkv, probs, attn, x1, h2, mean2, rstd2, fc1, act, out);
    }

    /**
     * Accumulates ∂loss/∂θ into {@code grads} (same keys and sizes as the parameters) from
     * dLogits [B,K], and ∂loss/∂images into {@code dImages} [B,C,S,S] when it is not null.
     */
    public static void backward(VitConfig cfg, Map<String, double[]> p, Forward f, double[] dLogits,
                                Map<String, double[]> grads, double[] dImages) {
        int batch = f.batch(), d = cfg.embedDim(), t = cfg.numTokens(), n = cfg.numPatches(), pre = cfg.numPrefixTokens();
        double[] dFeatures = new double[batch * d];
        linearBackward(f.features(), p.get("head.weight"), dLogits, dFeatures, grads.get("head.weight"), grads.get("head.bias"),
                batch, d, cfg.numClasses());
        String norm = cfg.finalNormName();
        double[] dPooled = new double[batch * d];
        layerNormBackward(f.pooled(), p.get(norm + ".weight"), f.poolMean(), f.poolRstd(), dFeatures, dPooled,
                grads.get(norm + ".weight"), grads.get(norm + ".bias"), batch, d);

        double[] dx = new double[batch * t * d]; // ∂loss/∂(residual stream) [B,T,D]
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                if (cfg.globalPool() == VitConfig.GlobalPool.TOKEN) {
                    dx[(b * t) * d + j] = dPooled[b * d + j];
                } else {
                    for (int m = 0; m < n; m++) dx[(b * t + pre + m) * d + j] = dPooled[b * d + j] / n;
                }
            }
        }
        for (int i = cfg.depth() - 1; i >= 0; i--) {
            dx = blockBackward(cfg, p, grads, "blocks." + i + ".", f.blocks()[i], dx, batch,
                    f.dropScales() == null ? null : f.dropScales()[i]);
        }

        if (pre == 1) {
            double[] dCls = grads.get("cls_token");
            for (int b = 0; b < batch; b++) for (int j = 0; j < d; j++) dCls[j] += dx[(b * t) * d + j];
        }
        if (cfg.posEmbed() == VitConfig.PosEmbed.LEARNED) {
            double[] dPos = grads.get("pos_embed");
            for (int b = 0; b < batch; b++) for (int k = 0; k < t * d; k++) dPos[k] += dx[b * t * d + k];
        }
        double[] dTokens = new double[batch * n * d]; // [B,N,D]
        for (int b = 0; b < batch; b++) System.arraycopy(dx, (b * t + pre) * d, dTokens, b * n * d, n * d);
        double[] dPatches = dImages == null ? null : new double[f.patches().length];
        linearBackward(f.patches(), p.get("patch_embed.proj.weight"), dTokens, dPatches, grads.get("patch_embed.proj.weight"),
                grads.get("patch_embed.proj.bias"), batch * n, cfg.patchDim(), d);
        if (dImages != null) {
            ConvRef.unpatchifyAccumulate(dPatches, batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize(), cfg.patchSize(), cfg.patchSize(), dImages);
        }
    }

    /** Given ∂loss/∂(block output) [B,T,D], accumulates the block's parameter gradients and returns ∂loss/∂(block input). */
    private static double[] blockBackward(VitConfig cfg, Map<String, double[]> p, Map<String, double[]> g, String pre,
                                          BlockActivations a, double[] dOut, int batch, double[][] scales) {
        int d = cfg.embedDim(), t = cfg.numTokens(), rows = batch * t, hid = cfg.mlpHidden();
        // x2 = x1 + s_mlp·fc2(gelu(fc1(norm2(x1))))
        double[] dx1 = dOut.clone();
        double[] dMlpOut = scaledCopy(dOut, scales == null ? null : scales[1], batch, t * d);
        double[] dAct = new double[rows * hid], dFc1 = new double[rows * hid], dh2 = new double[rows * d];
        linearBackward(a.act(), p.get(pre + "mlp.fc2.weight"), dMlpOut, dAct, g.get(pre + "mlp.fc2.weight"), g.get(pre + "mlp.fc2.bias"), rows, hid, d);
        geluBackward(a.fc1(), dAct, dFc1);
        linearBackward(a.h2(), p.get(pre + "mlp.fc1.weight"), dFc1, dh2, g.get(pre + "mlp.fc1.weight"), g.get(pre + "mlp.fc1.bias"), rows, d, hid);
        layerNormBackward(a.x1(), p.get(pre + "norm2.weight"), a.mean2(), a.rstd2(), dh2, dx1,
                g.get(pre + "norm2.weight"), g.get(pre + "norm2.bias"), rows, d);
        // x1 = x + s_attn·proj(attn(qkv(norm1(x))))
        double[] dx = dx1.clone();
        double[] dProj = scaledCopy(dx1, scales == null ? null : scales[0], batch, t * d);
        double[] dAttn = new double[rows * d], dQkv = new double[rows * 3 * d], dh1 = new double[rows * d];
        linearBackward(a.attn(), p.get(pre + "attn.proj.weight"), dProj, dAttn, g.get(pre + "attn.proj.weight"), g.get(pre + "attn.proj.bias"), rows, d, d);
        AttentionRef.attentionBackward(a.qkv(), batch, t, cfg.numHeads(), cfg.headDim(), a.probs(), dAttn, dQkv);
        linearBackward(a.h1(), p.get(pre + "attn.qkv.weight"), dQkv, dh1, g.get(pre + "attn.qkv.weight"), g.get(pre + "attn.qkv.bias"), rows, d, 3 * d);
        layerNormBackward(a.x(), p.get(pre + "norm1.weight"), a.mean1(), a.rstd1(), dh1, dx,
                g.get(pre + "norm1.weight"), g.get(pre + "norm1.bias"), rows, d);
        return dx;
    }

    /** The learned pos_embed or the fixed sin-cos table, [T,D]. */
    static double[] positionTable(VitConfig cfg, Map<String, double[]> p) {
        return cfg.posEmbed() == VitConfig.PosEmbed.LEARNED ? p.get("pos_embed") : SinCosPositionEmbedding.table(cfg);
    }

    /** acc[b,·] += scale[b]·v[b,·] over samples of {@code perSample} values (scale null = 1). */
    private static void addScaled(double[] acc, double[] v, double[] scale, int batch, int perSample) {
        for (int b = 0; b < batch; b++) {
            double s = scale == null ? 1.0 : scale[b];
            for (int k = 0; k < perSample; k++) acc[b * perSample + k] += s * v[b * perSample + k];
        }
    }

    private static double[] scaledCopy(double[] v, double[] scale, int batch, int perSample) {
        double[] out = new double[v.length];
        addScaled(out, v, scale, batch, perSample);
        return out;
    }
}
