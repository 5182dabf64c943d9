package org.semivim.engine.reference;

import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VimParameters;
import org.semivim.engine.models.arm.ArmConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole ARM pre-training model in double precision (the math of
 * {@link org.semivim.engine.models.arm.ArmModel}, written out with {@link MambaMixerRef},
 * {@link NormRef}, {@link LinearRef}, {@link CrossAttentionRef}, {@link ActivationRef} and
 * {@link LossRef}): the oracle the float model is tested against, itself checked by finite
 * differences. Parameters and gradients are maps from the model's names to row-major arrays.
 */
public final class ArmRef {
    private ArmRef() {}

    /** One decoder block's activations. */
    private static final class Block {
        double[] q, kv, nq, nqMean, nqRstd, nkv, nkvMean, nkvRstd, qp, kvp, probs, heads, mid, n2, n2Mean, n2Rstd, h1, act;
    }

    /** Every activation of one forward. */
    public static final class Forward {
        public double loss;
        int batch;
        double[] padded, cols, x, features, lat, decoded, arY, arMean, arRstd, pred, dPred;
        final List<double[]> residuals = new ArrayList<>(), normed = new ArrayList<>(), rstd = new ArrayList<>();
        final List<MambaMixerRef.Cache> mixers = new ArrayList<>();
        final List<double[]> fY = new ArrayList<>(), fMean = new ArrayList<>(), fRstd = new ArrayList<>();
        final List<double[]> kv = new ArrayList<>();
        final List<Block> blocks = new ArrayList<>();
    }

    public static Forward forward(ArmConfig cfg, Map<String, double[]> p, double[] image, int batch) {
        VimConfig enc = cfg.encoderConfig();
        int d = cfg.embedDim(), n = cfg.sequenceLength(), g = cfg.grid(), g2 = g * g, ch = enc.inChans(), side = cfg.paddedSize();
        int pp = cfg.patchPixels(), dd = cfg.decoderDim(), jd = cfg.decoderDepth(), skip = cfg.tokensPerCluster(), rows = batch * n;
        int[] order = cfg.clusterOrder();
        double eps = ArmConfig.LAYER_NORM_EPS;
        Forward f = new Forward();
        f.batch = batch;
        int img = cfg.target().imgSize();
        f.padded = new double[batch * ch * side * side];
        java.util.Arrays.fill(f.padded, cfg.padValue());
        for (int bc = 0; bc < batch * ch; bc++) {
            for (int y = 0; y < img; y++) {
                System.arraycopy(image, (bc * img + y) * img, f.padded, (bc * side + y + cfg.pad()) * side + cfg.pad(), img);
            }
        }
        f.cols = new double[batch * g2 * pp];
        ConvRef.patchify(f.padded, batch, ch, side, side, enc.patchSize(), enc.patchStride(), f.cols);
        double[] tokens = new double[batch * g2 * d];
        LinearRef.linearForward(f.cols, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"), tokens, batch * g2, pp, d);
        double[] pos = SinCosPositionEmbedding.table(d, g, 0);
        f.x = new double[rows * d];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < d; j++) f.x[(b * n + s) * d + j] = tokens[(b * g2 + order[s]) * d + j] + pos[order[s] * d + j];
            }
        }
        double[] residual = f.x;
        f.residuals.add(residual);
        for (int i = 0; i < enc.depth(); i++) {
            double[] normed = new double[rows * d], rs = new double[rows];
            NormRef.rmsNormForward(residual, p.get("layers." + i + ".norm.weight"), enc.normEps(), normed, rs, rows, d);
            MambaMixerRef.Cache c = new MambaMixerRef.Cache();
            double[] h = MambaMixerRef.forward(enc, p, VimParameters.mixerPrefix(i), normed, batch, null, 0, c);
            double[] next = new double[rows * d];
            for (int k = 0; k < next.length; k++) next[k] = residual[k] + h[k];
            f.normed.add(normed);
            f.rstd.add(rs);
            f.mixers.add(c);
            residual = next;
            f.residuals.add(residual);
        }
        int[] layers = cfg.featureLayers();
        f.features = new double[rows * 4 * d];
        for (int k = 0; k < 4; k++) {
            double[] y = new double[rows * d], mu = new double[rows], rs = new double[rows];
            NormRef.layerNormForward(f.residuals.get(layers[k]), p.get("norm_" + (k + 1) + ".weight"), p.get("norm_" + (k + 1) + ".bias"),
                    eps, y, mu, rs, rows, d);
            f.fY.add(y);
            f.fMean.add(mu);
            f.fRstd.add(rs);
            for (int r = 0; r < rows; r++) System.arraycopy(y, r * d, f.features, r * 4 * d + k * d, d);
        }
        f.lat = new double[rows * jd * dd];
        LinearRef.linearForward(f.features, p.get("enc2dec.weight"), p.get("enc2dec.bias"), f.lat, rows, 4 * d, jd * dd);
        for (int j = 0; j < jd; j++) {
            double[] t = new double[rows * dd];
            for (int r = 0; r < rows; r++) for (int c = 0; c < dd; c++) t[r * dd + c] = f.lat[r * jd * dd + c * jd + j];
            f.kv.add(t);
        }
        double[] decPos = SinCosPositionEmbedding.table(dd, g, 0), token = p.get("ar_token");
        double[] q = new double[rows * dd];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < n; s++) for (int c = 0; c < dd; c++) q[(b * n + s) * dd + c] = token[c] + decPos[order[skip + s] * dd + c];
        }
        boolean[] mask = org.semivim.engine.ops.AttentionMask.blockCausal(cfg.clusters() - 1, skip).allowed();
        for (int j = 0; j < jd; j++) {
            Block bl = blockForward(cfg, p, "dec_block." + j, q, f.kv.get(j), mask, batch);
            f.blocks.add(bl);
            q = new double[rows * dd];
            double[] m = new double[rows * dd];
            LinearRef.linearForward(bl.act, p.get("dec_block." + j + ".mlp.fc2.weight"), p.get("dec_block." + j + ".mlp.fc2.bias"), m, rows,
                    cfg.decoderHidden(), dd);
            for (int k = 0; k < q.length; k++) q[k] = bl.mid[k] + m[k];
        }
        f.decoded = q;
        f.arY = new double[rows * dd];
        f.arMean = new double[rows];
        f.arRstd = new double[rows];
        NormRef.layerNormForward(q, p.get("ar_norm.weight"), p.get("ar_norm.bias"), eps, f.arY, f.arMean, f.arRstd, rows, dd);
        f.pred = new double[rows * pp];
        LinearRef.linearForward(f.arY, p.get("ar_pred.weight"), p.get("ar_pred.bias"), f.pred, rows, dd, pp);
        double[] target = new double[rows * pp], normTarget = new double[rows * pp];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < n; s++) System.arraycopy(f.cols, (b * g2 + order[skip + s]) * pp, target, (b * n + s) * pp, pp);
        }
        LossRef.normPixTarget(target, normTarget, rows, pp);
        double[] ones = new double[rows];
        java.util.Arrays.fill(ones, 1.0);
        f.dPred = new double[rows * pp];
        f.loss = LossRef.maskedMse(f.pred, normTarget, ones, f.dPred, rows, pp);
        return f;
    }

    private static Block blockForward(ArmConfig cfg, Map<String, double[]> p, String pre, double[] q, double[] kv, boolean[] mask, int batch) {
        int dd = cfg.decoderDim(), n = cfg.sequenceLength(), rows = batch * n, hid = cfg.decoderHidden(), h = cfg.decoderHeads();
        double eps = ArmConfig.LAYER_NORM_EPS;
        Block b = new Block();
        b.q = q;
        b.kv = kv;
        b.nq = new double[rows * dd]; b.nqMean = new double[rows]; b.nqRstd = new double[rows];
        NormRef.layerNormForward(q, p.get(pre + ".norm2_1.weight"), p.get(pre + ".norm2_1.bias"), eps, b.nq, b.nqMean, b.nqRstd, rows, dd);
        b.nkv = new double[rows * dd]; b.nkvMean = new double[rows]; b.nkvRstd = new double[rows];
        NormRef.layerNormForward(kv, p.get(pre + ".norm2_2.weight"), p.get(pre + ".norm2_2.bias"), eps, b.nkv, b.nkvMean, b.nkvRstd, rows, dd);
        b.qp = new double[rows * dd];
        LinearRef.linearForward(b.nq, p.get(pre + ".attn2.q.weight"), p.get(pre + ".attn2.q.bias"), b.qp, rows, dd, dd);
        b.kvp = new double[rows * 2 * dd];
        LinearRef.linearForward(b.nkv, p.get(pre + ".attn2.kv.weight"), p.get(pre + ".attn2.kv.bias"), b.kvp, rows, dd, 2 * dd);
        b.probs = new double[batch * h * n * n];
        b.heads = new double[rows * dd];
        CrossAttentionRef.forward(b.qp, b.kvp, batch, n, n, h, cfg.decoderHeadDim(), mask, b.probs, b.heads);
        double[] a = new double[rows * dd];
        LinearRef.linearForward(b.heads, p.get(pre + ".attn2.proj.weight"), p.get(pre + ".attn2.proj.bias"), a, rows, dd, dd);
        b.mid = new double[rows * dd];
        for (int k = 0; k < a.length; k++) b.mid[k] = q[k] + a[k];
        b.n2 = new double[rows * dd]; b.n2Mean = new double[rows]; b.n2Rstd = new double[rows];
        NormRef.layerNormForward(b.mid, p.get(pre + ".norm2.weight"), p.get(pre + ".norm2.bias"), eps, b.n2, b.n2Mean, b.n2Rstd, rows, dd);
        b.h1 = new double[rows * hid];
        LinearRef.linearForward(b.n2, p.get(pre + ".mlp.fc1.weight"), p.get(pre + ".mlp.fc1.bias"), b.h1, rows, dd, hid);
        b.act = new double[rows * hid];
        ActivationRef.geluForward(b.h1, b.act);
        return b;
    }

    /** ∂loss/∂θ for every parameter of {@code p}. */
    public static Map<String, double[]> backward(ArmConfig cfg, Map<String, double[]> p, Forward f) {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (var e : p.entrySet()) g.put(e.getKey(), new double[e.getValue().length]);
        VimConfig enc = cfg.encoderConfig();
        int batch = f.batch, d = cfg.embedDim(), n = cfg.sequenceLength(), rows = batch * n, g2 = cfg.grid() * cfg.grid();
        int pp = cfg.patchPixels(), dd = cfg.decoderDim(), jd = cfg.decoderDepth(), hid = cfg.decoderHidden();
        int[] order = cfg.clusterOrder();
        double[] dArY = new double[rows * dd];
        LinearRef.linearBackward(f.arY, p.get("ar_pred.weight"), f.dPred, dArY, g.get("ar_pred.weight"), g.get("ar_pred.bias"), rows, dd, pp);
        double[] dq = new double[rows * dd];
        NormRef.layerNormBackward(f.decoded, p.get("ar_norm.weight"), f.arMean, f.arRstd, dArY, dq, g.get("ar_norm.weight"),
                g.get("ar_norm.bias"), rows, dd);
        double[] dLat = new double[rows * jd * dd];
        for (int j = jd - 1; j >= 0; j--) {
            String pre = "dec_block." + j;
            Block b = f.blocks.get(j);
            double[] dMid = dq.clone(), dAct = new double[rows * hid], dH1 = new double[rows * hid], dN2 = new double[rows * dd];
            LinearRef.linearBackward(b.act, p.get(pre + ".mlp.fc2.weight"), dq, dAct, g.get(pre + ".mlp.fc2.weight"), g.get(pre + ".mlp.fc2.bias"),
                    rows, hid, dd);
            ActivationRef.geluBackward(b.h1, dAct, dH1);
            LinearRef.linearBackward(b.n2, p.get(pre + ".mlp.fc1.weight"), dH1, dN2, g.get(pre + ".mlp.fc1.weight"), g.get(pre + ".mlp.fc1.bias"),
                    rows, dd, hid);
            NormRef.layerNormBackward(b.mid, p.get(pre + ".norm2.weight"), b.n2Mean, b.n2Rstd, dN2, dMid, g.get(pre + ".norm2.weight"),
                    g.get(pre + ".norm2.bias"), rows, dd);
            double[] dHeads = new double[rows * dd];
            LinearRef.linearBackward(b.heads, p.get(pre + ".attn2.proj.weight"), dMid, dHeads, g.get(pre + ".attn2.proj.weight"),
                    g.get(pre + ".attn2.proj.bias"), rows, dd, dd);
            double[] dqp = new double[rows * dd], dkvp = new double[rows * 2 * dd];
            CrossAttentionRef.backward(b.qp, b.kvp, batch, n, n, cfg.decoderHeads(), cfg.decoderHeadDim(), b.probs, dHeads, dqp, dkvp);
            double[] dNq = new double[rows * dd], dNkv = new double[rows * dd];
            LinearRef.linearBackward(b.nq, p.get(pre + ".attn2.q.weight"), dqp, dNq, g.get(pre + ".attn2.q.weight"), g.get(pre + ".attn2.q.bias"),
                    rows, dd, dd);
            LinearRef.linearBackward(b.nkv, p.get(pre + ".attn2.kv.weight"), dkvp, dNkv, g.get(pre + ".attn2.kv.weight"),
                    g.get(pre + ".attn2.kv.bias"), rows, dd, 2 * dd);
            double[] dqIn = dMid.clone(), dkv = new double[rows * dd];
            NormRef.layerNormBackward(b.q, p.get(pre + ".norm2_1.weight"), b.nqMean, b.nqRstd, dNq, dqIn, g.get(pre + ".norm2_1.weight"),
                    g.get(pre + ".norm2_1.bias"), rows, dd);
            NormRef.layerNormBackward(b.kv, p.get(pre + ".norm2_2.weight"), b.nkvMean, b.nkvRstd, dNkv, dkv, g.get(pre + ".norm2_2.weight"),
                    g.get(pre + ".norm2_2.bias"), rows, dd);
            for (int r = 0; r < rows; r++) for (int c = 0; c < dd; c++) dLat[r * jd * dd + c * jd + j] += dkv[r * dd + c];
            dq = dqIn;
        }
        double[] dToken = g.get("ar_token");
        for (int r = 0; r < rows; r++) for (int c = 0; c < dd; c++) dToken[c] += dq[r * dd + c];
        double[] dFeatures = new double[rows * 4 * d];
        LinearRef.linearBackward(f.features, p.get("enc2dec.weight"), dLat, dFeatures, g.get("enc2dec.weight"), g.get("enc2dec.bias"),
                rows, 4 * d, jd * dd);
        int[] layers = cfg.featureLayers();
        double[][] taps = new double[enc.depth() + 1][];
        for (int k = 0; k < 4; k++) {
            double[] dy = new double[rows * d];
            for (int r = 0; r < rows; r++) System.arraycopy(dFeatures, r * 4 * d + k * d, dy, r * d, d);
            if (taps[layers[k]] == null) taps[layers[k]] = new double[rows * d];
            NormRef.layerNormBackward(f.residuals.get(layers[k]), p.get("norm_" + (k + 1) + ".weight"), f.fMean.get(k), f.fRstd.get(k), dy,
                    taps[layers[k]], g.get("norm_" + (k + 1) + ".weight"), g.get("norm_" + (k + 1) + ".bias"), rows, d);
        }
        double[] dRes = new double[rows * d];
        for (int l = enc.depth(); l >= 1; l--) {
            if (taps[l] != null) for (int k = 0; k < dRes.length; k++) dRes[k] += taps[l][k];
            double[] dNormed = MambaMixerRef.backward(enc, p, g, VimParameters.mixerPrefix(l - 1), f.mixers.get(l - 1), dRes, batch);
            NormRef.rmsNormBackward(f.residuals.get(l - 1), p.get("layers." + (l - 1) + ".norm.weight"), f.rstd.get(l - 1), dNormed, dRes,
                    g.get("layers." + (l - 1) + ".norm.weight"), rows, d);
        }
        double[] dTokens = new double[batch * g2 * d];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < n; s++) System.arraycopy(dRes, (b * n + s) * d, dTokens, (b * g2 + order[s]) * d, d);
        }
        LinearRef.linearBackward(f.cols, p.get("patch_embed.proj.weight"), dTokens, null, g.get("patch_embed.proj.weight"),
                g.get("patch_embed.proj.bias"), batch * g2, pp, d);
        return g;
    }
}
