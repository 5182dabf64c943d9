package org.semivim.engine.reference;

import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VimParameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Float64 reference of the whole Vision Mamba classifier: forward (eval mode, optionally with given
 * drop-path scales), the SSMixup term, the hand-written backward for every parameter and the input,
 * and mean cross-entropy. A transcription of vim_ref.py ({@code vim_forward}, {@code vim_backward},
 * {@code cross_entropy}; vim-spec.md §2, §3, §10.4), in plain loops, with the shared double
 * functions of {@link NormRef}, {@link ConvRef}, {@link LinearRef} and {@link ActivationRef}. It is the test oracle of the
 * float {@code VisionMamba}; it keeps every activation and every scan state, so use small sizes.
 *
 * <p>Parameters are a map from official state-dict keys to row-major double arrays; images are
 * [B,C,H,W]; token tensors [B,L,C].
 */
public final class VimRef {
    private VimRef() {}

    /** The SSMixup term (vim-spec.md §11): ψ per sample [B], ν, and how many mixers from the first get it. */
    public record SsMix(double[] psi, double nu, int layers) {}

    /** One block's saved tensors. */
    public static final class Layer {
        public double[] residual;            // input of the block's norm [B,L,D]
        public double[] normed;              // RMSNorm output [B,L,D]
        public double[] rstd;                // [B·L]
        public double[] out;                 // mixer output [B,L,D]
        public MambaMixerRef.Cache mixer;
    }

    /** Everything the forward computed. */
    public static final class Forward {
        public VimConfig cfg;
        public int batch;
        public double[] cols;                // patches [B,M,C·p·p]
        public double[] tokens;              // patch tokens [B,M,D]
        public double[] embed;               // tokens with cls and pos_embed [B,L,D]
        public final List<Layer> layers = new ArrayList<>();
        public double[] residualFinal;       // input of norm_f [B,L,D]
        public double[] normedFinal;         // [B,L,D]
        public double[] rstdFinal;           // [B·L]
        public double[] features;            // [B,D]
        public double[] logits;              // [B,K]
        public double[][] dropScale;         // [depth][B] or null (eval)
    }

    /** ∂L/∂θ by official key (state-dict order) and ∂L/∂image [B,C,H,W]. */
    public record Gradients(Map<String, double[]> params, double[] image) {}

    /**
     * Forward pass. {@code ssMix} may be null (plain forward). {@code dropScale}, when not null, is
     * [depth][B]: mixer j's output is multiplied by dropScale[j][b] before it joins the residual
     * stream (DropPath's mask/keep, vim-spec.md §3); null means eval mode (all 1).
     */
    public static Forward forward(VimConfig cfg, Map<String, double[]> p, double[] image, int batch,
                                  SsMix ssMix, double[][] dropScale) {
        int nd = cfg.embedDim(), nm = cfg.numPatches(), nl = cfg.seqLen(), c = cfg.clsIndex(), pd = cfg.patchDim();
        if (image.length != batch * cfg.inChans() * cfg.imgSize() * cfg.imgSize()) {
            throw new IllegalArgumentException("image array has " + image.length + " values, expected B·C·H·W = "
                    + batch * cfg.inChans() * cfg.imgSize() * cfg.imgSize());
        }
        Forward f = new Forward();
        f.cfg = cfg;
        f.batch = batch;
        f.dropScale = dropScale;
        f.cols = new double[batch * nm * pd];
        ConvRef.patchify(image, batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize(), cfg.patchSize(), cfg.patchStride(), f.cols);
        f.tokens = new double[batch * nm * nd];
        LinearRef.linearForward(f.cols, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"), f.tokens,
                batch * nm, pd, nd);
        f.embed = new double[batch * nl * nd];
        double[] pos = p.get("pos_embed");
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < nl; t++) {
                int dst = (b * nl + t) * nd;
                if (t == c) System.arraycopy(p.get("cls_token"), 0, f.embed, dst, nd);
                else System.arraycopy(f.tokens, (b * nm + (c >= 0 && t > c ? t - 1 : t)) * nd, f.embed, dst, nd);
                for (int j = 0; j < nd; j++) f.embed[dst + j] += pos[t * nd + j];
            }
        }
        double[] residual = null, hidden = f.embed;
        for (int i = 0; i < cfg.depth(); i++) {
            // Block i (fused add + norm, prenorm): residual += drop_path(previous mixer output)
            residual = i == 0 ? hidden.clone() : addScaled(residual, hidden, scaleOf(dropScale, i - 1), batch);
            Layer layer = new Layer();
            layer.residual = residual;
            layer.rstd = new double[batch * nl];
            layer.normed = new double[batch * nl * nd];
            NormRef.rmsNormForward(residual, p.get("layers." + i + ".norm.weight"), cfg.normEps(), layer.normed, layer.rstd,
                    batch * nl, nd);
            layer.mixer = new MambaMixerRef.Cache();
            boolean mix = ssMix != null && i < ssMix.layers();
            layer.out = MambaMixerRef.forward(cfg, p, VimParameters.mixerPrefix(i), layer.normed, batch,
                    mix ? ssMix.psi() : null, mix ? ssMix.nu() : 0.0, layer.mixer);
            hidden = layer.out;
            f.layers.add(layer);
        }
        f.residualFinal = addScaled(residual, hidden, scaleOf(dropScale, cfg.depth() - 1), batch);
        f.rstdFinal = new double[batch * nl];
        f.normedFinal = new double[batch * nl * nd];
        NormRef.rmsNormForward(f.residualFinal, p.get("norm_f.weight"), cfg.normEps(), f.normedFinal, f.rstdFinal, batch * nl, nd);
        f.features = new double[batch * nd];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nd; j++) {
                double v;
                if (c >= 0) v = f.normedFinal[(b * nl + c) * nd + j];           // the cls token; no pooling
                else if (cfg.finalPool() == VimConfig.FinalPool.LAST) v = f.normedFinal[(b * nl + nl - 1) * nd + j];
                else {
                    v = 0;
                    for (int t = 0; t < nl; t++) v += f.normedFinal[(b * nl + t) * nd + j];
                    v /= nl;
                }
                f.features[b * nd + j] = v;
            }
        }
        f.logits = new double[batch * cfg.numClasses()];
        LinearRef.linearForward(f.features, p.get("head.weight"), p.get("head.bias"), f.logits, batch, nd, cfg.numClasses());
        return f;
    }

    /** Reverse mode through the whole model from dLogits [B,K]. */
    public static Gradients backward(Forward f, Map<String, double[]> p, double[] dLogits) {
        VimConfig cfg = f.cfg;
        int batch = f.batch, nd = cfg.embedDim(), nl = cfg.seqLen(), nm = cfg.numPatches(), c = cfg.clsIndex();
        int nk = cfg.numClasses(), pd = cfg.patchDim();
        Map<String, double[]> g = zeroGradients(cfg);
        double[] dFeat = new double[batch * nd];
        LinearRef.linearBackward(f.features, p.get("head.weight"), dLogits, dFeat, g.get("head.weight"), g.get("head.bias"),
                batch, nd, nk);
        double[] dNormed = new double[batch * nl * nd];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nd; j++) {
                double gf = dFeat[b * nd + j];
                if (c >= 0) dNormed[(b * nl + c) * nd + j] = gf;
                else if (cfg.finalPool() == VimConfig.FinalPool.LAST) dNormed[(b * nl + nl - 1) * nd + j] = gf;
                else for (int t = 0; t < nl; t++) dNormed[(b * nl + t) * nd + j] = gf / nl;
            }
        }
        // dRes = ∂L/∂residual_{i+1}: the skip path plus (through DropPath) the mixer output of block i
        double[] dRes = new double[batch * nl * nd];
        NormRef.rmsNormBackward(f.residualFinal, p.get("norm_f.weight"), f.rstdFinal, dNormed, dRes, g.get("norm_f.weight"),
                batch * nl, nd);
        for (int i = cfg.depth() - 1; i >= 0; i--) {
            Layer layer = f.layers.get(i);
            double[] dOut = scaled(dRes, scaleOf(f.dropScale, i), batch);
            double[] dNormedI = MambaMixerRef.backward(cfg, p, g, VimParameters.mixerPrefix(i), layer.mixer, dOut, batch);
            NormRef.rmsNormBackward(layer.residual, p.get("layers." + i + ".norm.weight"), layer.rstd, dNormedI, dRes,
                    g.get("layers." + i + ".norm.weight"), batch * nl, nd);   // += onto the skip path
        }
        double[] dEmbed = dRes;                                  // residual_0 = embedded tokens
        double[] dTokens = new double[batch * nm * nd];
        double[] dPos = g.get("pos_embed");
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < nl; t++) {
                int src = (b * nl + t) * nd;
                for (int j = 0; j < nd; j++) dPos[t * nd + j] += dEmbed[src + j];
                if (t == c) {
                    double[] dCls = g.get("cls_token");
                    for (int j = 0; j < nd; j++) dCls[j] += dEmbed[src + j];
                } else {
                    System.arraycopy(dEmbed, src, dTokens, (b * nm + (c >= 0 && t > c ? t - 1 : t)) * nd, nd);
                }
            }
        }
        double[] dCols = new double[batch * nm * pd];
        LinearRef.linearBackward(f.cols, p.get("patch_embed.proj.weight"), dTokens, dCols, g.get("patch_embed.proj.weight"),
                g.get("patch_embed.proj.bias"), batch * nm, pd, nd);
        double[] dImage = new double[batch * cfg.inChans() * cfg.imgSize() * cfg.imgSize()];
        ConvRef.unpatchifyAccumulate(dCols, batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize(), cfg.patchSize(),
                cfg.patchStride(), dImage);
        return new Gradients(g, dImage);
    }

    /** Mean softmax cross-entropy over rows of logits [B,K]; writes its gradient (softmax − onehot)/B into dLogits. */
    public static double crossEntropy(double[] logits, int[] labels, int numClasses, double[] dLogits) {
        int batch = labels.length;
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < numClasses; k++) max = Math.max(max, logits[b * numClasses + k]);
            double sum = 0;
            for (int k = 0; k < numClasses; k++) sum += Math.exp(logits[b * numClasses + k] - max);
            double logSum = Math.log(sum);
            loss -= logits[b * numClasses + labels[b]] - max - logSum;
            for (int k = 0; k < numClasses; k++) {
                double prob = Math.exp(logits[b * numClasses + k] - max - logSum);
                dLogits[b * numClasses + k] = (prob - (k == labels[b] ? 1.0 : 0.0)) / batch;
            }
        }
        return loss / batch;
    }

    /** Zero arrays for every parameter, in state-dict order. */
    public static Map<String, double[]> zeroGradients(VimConfig cfg) {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (VimParameters.Spec s : VimParameters.specs(cfg)) g.put(s.name(), new double[s.size()]);
        return g;
    }

    /** The intermediate tensors under the names of vim_ref.py {@code activation_dump} (bwd.* in the backward branch's own order). */
    public static Map<String, double[]> activations(Forward f) {
        Map<String, double[]> a = new LinkedHashMap<>();
        a.put("act.patch_tokens", f.tokens);
        a.put("act.embed", f.embed);
        for (int i = 0; i < f.layers.size(); i++) {
            Layer l = f.layers.get(i);
            a.put("act.layers." + i + ".residual", l.residual);
            a.put("act.layers." + i + ".normed", l.normed);
            a.put("act.layers." + i + ".mixer_out", l.out);
        }
        MambaMixerRef.Cache m = f.layers.get(0).mixer;
        a.put("act.layers.0.mixer.xz", m.xz);
        for (MambaMixerRef.BranchCache bc : new MambaMixerRef.BranchCache[] {m.fwd, m.bwd}) {
            if (bc == null) continue;
            String tag = "act.layers.0.mixer." + (bc.suffix.isEmpty() ? "fwd" : "bwd") + ".";
            a.put(tag + "conv_out", bc.u);
            a.put(tag + "delta", bc.scan.delta);
            a.put(tag + "B", bc.scan.bm);
            a.put(tag + "C", bc.scan.cm);
            a.put(tag + "y_gated", bc.out);
        }
        a.put("act.layers.0.mixer.merged", m.merged);
        a.put("act.residual_final", f.residualFinal);
        a.put("act.norm_f", f.normedFinal);
        a.put("act.features", f.features);
        return a;
    }

    // ---------------------------------------------------------------- drop-path scales

    private static double[] scaleOf(double[][] dropScale, int mixer) {
        return dropScale == null ? null : dropScale[mixer];
    }

    /** residual + scale_b · h (per sample b; scale null = 1), a new array. */
    private static double[] addScaled(double[] residual, double[] h, double[] scale, int batch) {
        double[] out = new double[residual.length];
        int per = residual.length / batch;
        for (int i = 0; i < out.length; i++) out[i] = residual[i] + (scale == null ? h[i] : scale[i / per] * h[i]);
        return out;
    }

    private static double[] scaled(double[] a, double[] scale, int batch) {
        if (scale == null) return a.clone();
        double[] out = new double[a.length];
        int per = a.length / batch;
        for (int i = 0; i < out.length; i++) out[i] = scale[i / per] * a[i];
        return out;
    }
}
