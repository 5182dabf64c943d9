package org.semivim.engine.reference;

import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.models.mae.MaeConfig;

import java.util.Map;

import static org.semivim.engine.reference.ActivationRef.geluBackward;
import static org.semivim.engine.reference.ActivationRef.geluForward;
import static org.semivim.engine.reference.LinearRef.linearBackward;
import static org.semivim.engine.reference.LinearRef.linearForward;
import static org.semivim.engine.reference.NormRef.layerNormBackward;
import static org.semivim.engine.reference.NormRef.layerNormForward;

/**
 * The MAE reconstruction loss in double precision (MAE {@code models_mae.py forward}), the reference
 * for {@code MaskedAutoencoder.maeForward/maeBackward}, itself checked by finite differences.
 * Parameters and gradients are maps from MAE names to flat arrays with the shapes of
 * {@link MaeConfig#parameterShapes()}. No drop-path (MAE pre-training has none).
 * <pre>
 * tokens = patch_embed(img) + pos[1:]                       [B,L,D]
 * x = [cls + pos[0]; tokens[shuffle[b][0..K)]]               [B,1+K,D]
 * latent = norm(blocks(x))                                   [B,1+K,D]
 * y = decoder_embed(latent);  z[:,0] = y[:,0];  z[:,1+l] = visible(l) ? y[:,1+rank(l)] : mask_token;  z += dpos
 * pred = decoder_pred(decoder_norm(decoder_blocks(z)[:,1:]))  [B,L,p²c]
 * loss = Σ_{b,l masked} mean_p (pred − target)² / #masked   (target = patchify(img), optionally norm_pix)
 * </pre>
 */
public final class MaeRef {
    private MaeRef() {}

    /** A pre-norm transformer block's dimensions. */
    private record Dims(int dim, int heads, int hidden, double eps) {
        int headDim() { return dim / heads; }
    }

    public record Block(double[] x, double[] h1, double[] mean1, double[] rstd1, double[] qkv, double[] probs, double[] attn,
                         double[] x1, double[] h2, double[] mean2, double[] rstd2, double[] fc1, double[] act, double[] out) {}

    /** One forward: the loss and everything the backward needs. */
    public record Forward(int batch, int[][] restore, double[] patches, Block[] encoderBlocks, double[] encoded,
                          double[] latent, double[] latentMean, double[] latentRstd, double[] decoderIn, Block[] decoderBlocks,
                          double[] decoded, double[] normed, double[] normMean, double[] normRstd, double[] pred,
                          double[] target, double[] mask, double loss) {}

    /** images [B,C,S,S]; shuffle [B][L] a permutation per sample (the first K visible). */
    public static Forward forward(MaeConfig cfg, Map<String, double[]> p, double[] images, int batch, int[][] shuffle) {
        return forward(cfg, p, images, batch, shuffle, images);
    }

    /**
     * As {@link #forward(MaeConfig, Map, double[], int, int[][])} with the target patches taken from
     * {@code targetImages} (a gradient check holds the target fixed while it moves the input pixels:
     * MAE's target carries no gradient).
     */
    public static Forward forward(MaeConfig cfg, Map<String, double[]> p, double[] images, int batch, int[][] shuffle,
                                  double[] targetImages) {
        VitConfig e = cfg.encoder();
        int d = e.embedDim(), l = cfg.numPatches(), k = cfg.keepCount(), pd = e.patchDim(), dd = cfg.decoderEmbedDim(), pp = cfg.patchPixels();
        int[][] restore = new int[batch][l];
        for (int b = 0; b < batch; b++) for (int i = 0; i < l; i++) restore[b][shuffle[b][i]] = i;
        double[] patches = new double[batch * l * pd];
        ConvRef.patchify(images, batch, e.inChans(), e.imgSize(), e.imgSize(), e.patchSize(), e.patchSize(), patches);
        double[] tokens = new double[batch * l * d];
        linearForward(patches, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"), tokens, batch * l, pd, d);
        double[] pos = e.posEmbed() == VitConfig.PosEmbed.LEARNED ? p.get("pos_embed") : SinCosPositionEmbedding.table(e);
        int t = 1 + k;
        double[] x = new double[batch * t * d];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) x[b * t * d + j] = p.get("cls_token")[j] + pos[j];
            for (int r = 0; r < k; r++) {
                int m = shuffle[b][r];
                for (int j = 0; j < d; j++) x[(b * t + 1 + r) * d + j] = tokens[(b * l + m) * d + j] + pos[(1 + m) * d + j];
            }
        }
        Dims enc = new Dims(d, e.numHeads(), e.mlpHidden(), e.normEps());
        Block[] eb = new Block[e.depth()];
        for (int i = 0; i < eb.length; i++) {
            eb[i] = blockForward(enc, p, "blocks." + i + ".", x, batch, t);
            x = eb[i].out();
        }
        double[] latent = new double[batch * t * d], lm = new double[batch * t], lr = new double[batch * t];
        layerNormForward(x, p.get("norm.weight"), p.get("norm.bias"), e.normEps(), latent, lm, lr, batch * t, d);

        double[] y = new double[batch * t * dd];
        linearForward(latent, p.get("decoder_embed.weight"), p.get("decoder_embed.bias"), y, batch * t, d, dd);
        int td = 1 + l;
        double[] dpos = SinCosPositionEmbedding.table(dd, e.gridSize(), 1);
        double[] z = new double[batch * td * dd];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < dd; j++) z[b * td * dd + j] = y[b * t * dd + j];
            for (int q = 0; q < l; q++) {
                int rank = restore[b][q];
                for (int j = 0; j < dd; j++) {
                    z[(b * td + 1 + q) * dd + j] = rank < k ? y[(b * t + 1 + rank) * dd + j] : p.get("mask_token")[j];
                }
            }
            for (int i = 0; i < td * dd; i++) z[b * td * dd + i] += dpos[i];
        }
        double[] decoderIn = z;
        Dims dec = new Dims(dd, cfg.decoderNumHeads(), cfg.decoderMlpHidden(), e.normEps());
        Block[] db = new Block[cfg.decoderDepth()];
        for (int i = 0; i < db.length; i++) {
            db[i] = blockForward(dec, p, "decoder_blocks." + i + ".", z, batch, td);
            z = db[i].out();
        }
        double[] decoded = new double[batch * l * dd];
        for (int b = 0; b < batch; b++) System.arraycopy(z, (b * td + 1) * dd, decoded, b * l * dd, l * dd);
        double[] normed = new double[batch * l * dd], nm = new double[batch * l], nr = new double[batch * l];
        layerNormForward(decoded, p.get("decoder_norm.weight"), p.get("decoder_norm.bias"), e.normEps(), normed, nm, nr, batch * l, dd);
        double[] pred = new double[batch * l * pp];
        linearForward(normed, p.get("decoder_pred.weight"), p.get("decoder_pred.bias"), pred, batch * l, dd, pp);

        double[] target = maePatchify(targetImages, batch, e.inChans(), e.imgSize(), e.patchSize());
        if (cfg.normPixLoss()) {
            double[] normedTarget = new double[target.length];
            LossRef.normPixTarget(target, normedTarget, batch * l, pp);
            target = normedTarget;
        }
        double[] mask = new double[batch * l];
        for (int b = 0; b < batch; b++) for (int q = 0; q < l; q++) mask[b * l + q] = restore[b][q] >= k ? 1 : 0;
        double loss = LossRef.maskedMse(pred, target, mask, null, batch * l, pp);
        return new Forward(batch, restore, patches, eb, x, latent, lm, lr, decoderIn, db, decoded, normed, nm, nr, pred, target, mask, loss);
    }

    /** Accumulates ∂loss/∂θ into {@code g} and, when not null, ∂loss/∂images into {@code dImages}. */
    public static void backward(MaeConfig cfg, Map<String, double[]> p, Forward f, Map<String, double[]> g, double[] dImages) {
        VitConfig e = cfg.encoder();
        int batch = f.batch(), d = e.embedDim(), l = cfg.numPatches(), k = cfg.keepCount(), dd = cfg.decoderEmbedDim(), pp = cfg.patchPixels();
        int t = 1 + k, td = 1 + l;
        double[] dPred = new double[f.pred().length];
        LossRef.maskedMse(f.pred(), f.target(), f.mask(), dPred, batch * l, pp);
        double[] dNormed = new double[f.normed().length];
        linearBackward(f.normed(), p.get("decoder_pred.weight"), dPred, dNormed, g.get("decoder_pred.weight"), g.get("decoder_pred.bias"),
                batch * l, dd, pp);
        double[] dDecoded = new double[f.decoded().length];
        layerNormBackward(f.decoded(), p.get("decoder_norm.weight"), f.normMean(), f.normRstd(), dNormed, dDecoded,
                g.get("decoder_norm.weight"), g.get("decoder_norm.bias"), batch * l, dd);
        double[] dz = new double[batch * td * dd];
        for (int b = 0; b < batch; b++) System.arraycopy(dDecoded, b * l * dd, dz, (b * td + 1) * dd, l * dd);
        Dims dec = new Dims(dd, cfg.decoderNumHeads(), cfg.decoderMlpHidden(), e.normEps());
        for (int i = cfg.decoderDepth() - 1; i >= 0; i--) dz = blockBackward(dec, p, g, "decoder_blocks." + i + ".", f.decoderBlocks()[i], dz, batch, td);
        double[] dy = new double[batch * t * dd];
        double[] dMask = g.get("mask_token");
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < dd; j++) dy[b * t * dd + j] += dz[b * td * dd + j];
            for (int q = 0; q < l; q++) {
                int rank = f.restore()[b][q];
                for (int j = 0; j < dd; j++) {
                    double v = dz[(b * td + 1 + q) * dd + j];
                    if (rank < k) dy[(b * t + 1 + rank) * dd + j] += v;
                    else dMask[j] += v;
                }
            }
        }
        double[] dLatent = new double[batch * t * d];
        linearBackward(f.latent(), p.get("decoder_embed.weight"), dy, dLatent, g.get("decoder_embed.weight"), g.get("decoder_embed.bias"),
                batch * t, d, dd);
        double[] dx = new double[batch * t * d];
        layerNormBackward(f.encoded(), p.get("norm.weight"), f.latentMean(), f.latentRstd(), dLatent, dx, g.get("norm.weight"),
                g.get("norm.bias"), batch * t, d);
        Dims enc = new Dims(d, e.numHeads(), e.mlpHidden(), e.normEps());
        for (int i = e.depth() - 1; i >= 0; i--) dx = blockBackward(enc, p, g, "blocks." + i + ".", f.encoderBlocks()[i], dx, batch, t);
        double[] dTokens = new double[batch * l * d];
        double[] dPos = e.posEmbed() == VitConfig.PosEmbed.LEARNED ? g.get("pos_embed") : null;
        int[][] shuffle = new int[batch][l];
        for (int b = 0; b < batch; b++) for (int q = 0; q < l; q++) shuffle[b][f.restore()[b][q]] = q;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                g.get("cls_token")[j] += dx[b * t * d + j];
                if (dPos != null) dPos[j] += dx[b * t * d + j];
            }
            for (int r = 0; r < k; r++) {
                int m = shuffle[b][r];
                for (int j = 0; j < d; j++) {
                    double v = dx[(b * t + 1 + r) * d + j];
                    dTokens[(b * l + m) * d + j] += v;
                    if (dPos != null) dPos[(1 + m) * d + j] += v;
                }
            }
        }
        double[] dPatches = dImages == null ? null : new double[f.patches().length];
        linearBackward(f.patches(), p.get("patch_embed.proj.weight"), dTokens, dPatches, g.get("patch_embed.proj.weight"),
                g.get("patch_embed.proj.bias"), batch * l, e.patchDim(), d);
        if (dImages != null) {
            ConvRef.unpatchifyAccumulate(dPatches, batch, e.inChans(), e.imgSize(), e.imgSize(), e.patchSize(), e.patchSize(), dImages);
        }
    }

    /** MAE patchify: [B,C,S,S] → [B, L, p²C], values of a patch in (row, column, channel) order. */
    public static double[] maePatchify(double[] images, int batch, int chans, int size, int patch) {
        int g = size / patch, l = g * g, pp = patch * patch * chans;
        double[] out = new double[batch * l * pp];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < g; h++)
                for (int w = 0; w < g; w++)
                    for (int pi = 0; pi < patch; pi++)
                        for (int pj = 0; pj < patch; pj++)
                            for (int c = 0; c < chans; c++)
                                out[(b * l + h * g + w) * pp + (pi * patch + pj) * chans + c] =
                                        images[((b * chans + c) * size + h * patch + pi) * size + w * patch + pj];
        return out;
    }

    private static Block blockForward(Dims s, Map<String, double[]> p, String pre, double[] x, int batch, int t) {
        int d = s.dim(), rows = batch * t, hid = s.hidden();
        double[] h1 = new double[rows * d], mean1 = new double[rows], rstd1 = new double[rows];
        layerNormForward(x, p.get(pre + "norm1.weight"), p.get(pre + "norm1.bias"), s.eps(), h1, mean1, rstd1, rows, d);
        double[] qkv = new double[rows * 3 * d];
        linearForward(h1, p.get(pre + "attn.qkv.weight"), p.get(pre + "attn.qkv.bias"), qkv, rows, d, 3 * d);
        double[] probs = new double[batch * s.heads() * t * t], attn = new double[rows * d];
        AttentionRef.attentionForward(qkv, batch, t, s.heads(), s.headDim(), probs, attn);
        double[] x1 = x.clone();
        double[] proj = new double[rows * d];
        linearForward(attn, p.get(pre + "attn.proj.weight"), p.get(pre + "attn.proj.bias"), proj, rows, d, d);
        for (int i = 0; i < x1.length; i++) x1[i] += proj[i];
        double[] h2 = new double[rows * d], mean2 = new double[rows], rstd2 = new double[rows];
        layerNormForward(x1, p.get(pre + "norm2.weight"), p.get(pre + "norm2.bias"), s.eps(), h2, mean2, rstd2, rows, d);
        double[] fc1 = new double[rows * hid], act = new double[rows * hid];
        linearForward(h2, p.get(pre + "mlp.fc1.weight"), p.get(pre + "mlp.fc1.bias"), fc1, rows, d, hid);
        geluForward(fc1, act);
        double[] out = x1.clone();
        double[] fc2 = new double[rows * d];
        linearForward(act, p.get(pre + "mlp.fc2.weight"), p.get(pre + "mlp.fc2.bias"), fc2, rows, hid, d);
        for (int i = 0; i < out.length; i++) out[i] += fc2[i];
        return new Block(x, h1, mean1, rstd1, qkv, probs, attn, x1, h2, mean2, rstd2, fc1, act, out);
    }

    private static double[] blockBackward(Dims s, Map<String, double[]> p, Map<String, double[]> g, String pre, Block a,
                                          double[] dOut, int batch, int t) {
        int d = s.dim(), rows = batch * t, hid = s.hidden();
        double[] dx1 = dOut.clone();
        double[] dAct = new double[rows * hid], dFc1 = new double[rows * hid], dh2 = new double[rows * d];
        linearBackward(a.act(), p.get(pre + "mlp.fc2.weight"), dOut, dAct, g.get(pre + "mlp.fc2.weight"), g.get(pre + "mlp.fc2.bias"), rows, hid, d);
        geluBackward(a.fc1(), dAct, dFc1);
        linearBackward(a.h2(), p.get(pre + "mlp.fc1.weight"), dFc1, dh2, g.get(pre + "mlp.fc1.weight"), g.get(pre + "mlp.fc1.bias"), rows, d, hid);
        layerNormBackward(a.x1(), p.get(pre + "norm2.weight"), a.mean2(), a.rstd2(), dh2, dx1, g.get(pre + "norm2.weight"), g.get(pre + "norm2.bias"), rows, d);
        double[] dx = dx1.clone();
        double[] dAttn = new double[rows * d], dQkv = new double[rows * 3 * d], dh1 = new double[rows * d];
        linearBackward(a.attn(), p.get(pre + "attn.proj.weight"), dx1, dAttn, g.get(pre + "attn.proj.weight"), g.get(pre + "attn.proj.bias"), rows, d, d);
        AttentionRef.attentionBackward(a.qkv(), batch, t, s.heads(), s.headDim(), a.probs(), dAttn, dQkv);
        linearBackward(a.h1(), p.get(pre + "attn.qkv.weight"), dQkv, dh1, g.get(pre + "attn.qkv.weight"), g.get(pre + "attn.qkv.bias"), rows, d, 3 * d);
        layerNormBackward(a.x(), p.get(pre + "norm1.weight"), a.mean1(), a.rstd1(), dh1, dx, g.get(pre + "norm1.weight"), g.get(pre + "norm1.bias"), rows, d);
        return dx;
    }
}
