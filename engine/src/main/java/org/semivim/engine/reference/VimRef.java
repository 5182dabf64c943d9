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
 * {@code cross_entropy}; vim-spec.md §2, §3, §10.4), in plain loops. It is the test oracle of the
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
        f.cols = patchify(cfg, image, batch);
        f.tokens = matmulTransposed(f.cols, batch * nm, pd, p.get("patch_embed.proj.weight"), nd);
        addRowVector(f.tokens, p.get("patch_embed.proj.bias"));
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
            layer.normed = rmsNorm(residual, p.get("layers." + i + ".norm.weight"), cfg.normEps(), layer.rstd);
            layer.mixer = new MambaMixerRef.Cache();
            boolean mix = ssMix != null && i < ssMix.layers();
            layer.out = MambaMixerRef.forward(cfg, p, VimParameters.mixerPrefix(i), layer.normed, batch,
                    mix ? ssMix.psi() : null, mix ? ssMix.nu() : 0.0, layer.mixer);
            hidden = layer.out;
            f.layers.add(layer);
        }
        f.residualFinal = addScaled(residual, hidden, scaleOf(dropScale, cfg.depth() - 1), batch);
        f.rstdFinal = new double[batch * nl];
        f.normedFinal = rmsNorm(f.residualFinal, p.get("norm_f.weight"), cfg.normEps(), f.rstdFinal);
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
        f.logits = matmulTransposed(f.features, batch, nd, p.get("head.weight"), cfg.numClasses());
        addRowVector(f.logits, p.get("head.bias"));
        return f;
    }

    /** Reverse mode through the whole model from dLogits [B,K]. */
    public static Gradients backward(Forward f, Map<String, double[]> p, double[] dLogits) {
        VimConfig cfg = f.cfg;
        int batch = f.batch, nd = cfg.embedDim(), nl = cfg.seqLen(), nm = cfg.numPatches(), c = cfg.clsIndex();
        int nk = cfg.numClasses(), pd = cfg.patchDim();
        Map<String, double[]> g = zeroGradients(cfg);
        accumulateOuter(g.get("head.weight"), dLogits, nk, f.features, nd, batch);
        addColumnSums(g.get("head.bias"), dLogits, batch);
        double[] dFeat = matmul(dLogits, batch, nk, p.get("head.weight"), nd);
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
        double[] dRes = rmsNormBackward(dNormed, f.residualFinal, p.get("norm_f.weight"), f.rstdFinal, g.get("norm_f.weight"));
        for (int i = cfg.depth() - 1; i >= 0; i--) {
            Layer layer = f.layers.get(i);
            double[] dOut = scaled(dRes, scaleOf(f.dropScale, i), batch);
            double[] dNormedI = MambaMixerRef.backward(cfg, p, g, VimParameters.mixerPrefix(i), layer.mixer, dOut, batch);
            double[] dr = rmsNormBackward(dNormedI, layer.residual, p.get("layers." + i + ".norm.weight"), layer.rstd,
                    g.get("layers." + i + ".norm.weight"));
            for (int j = 0; j < dRes.length; j++) dRes[j] += dr[j];
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
        accumulateOuter(g.get("patch_embed.proj.weight"), dTokens, nd, f.cols, pd, batch * nm);
        addColumnSums(g.get("patch_embed.proj.bias"), dTokens, batch * nm);
        double[] dCols = matmul(dTokens, batch * nm, nd, p.get("patch_embed.proj.weight"), pd);
        return new Gradients(g, unpatchify(cfg, dCols, batch));
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

    // ---------------------------------------------------------------- patches

    /** img [B,C,H,W] → patches [B,M,C·p·p]: token m = i·G + j (row-major grid), values in (c, kh, kw) order. */
    public static double[] patchify(VimConfig cfg, double[] img, int batch) {
        int nc = cfg.inChans(), h = cfg.imgSize(), ps = cfg.patchSize(), s = cfg.patchStride(), gs = cfg.grid();
        int pd = cfg.patchDim(), nm = cfg.numPatches();
        double[] cols = new double[batch * nm * pd];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < gs; i++)
                for (int j = 0; j < gs; j++)
                    for (int ch = 0; ch < nc; ch++)
                        for (int kh = 0; kh < ps; kh++)
                            for (int kw = 0; kw < ps; kw++)
                                cols[(b * nm + i * gs + j) * pd + (ch * ps + kh) * ps + kw] =
                                        img[((b * nc + ch) * h + i * s + kh) * h + j * s + kw];
        return cols;
    }

    /** Adjoint of {@link #patchify}: dpatches [B,M,C·p·p] → dimg [B,C,H,W] (overlapping patches add). */
    public static double[] unpatchify(VimConfig cfg, double[] dCols, int batch) {
        int nc = cfg.inChans(), h = cfg.imgSize(), ps = cfg.patchSize(), s = cfg.patchStride(), gs = cfg.grid();
        int pd = cfg.patchDim(), nm = cfg.numPatches();
        double[] dImg = new double[batch * nc * h * h];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < gs; i++)
                for (int j = 0; j < gs; j++)
                    for (int ch = 0; ch < nc; ch++)
                        for (int kh = 0; kh < ps; kh++)
                            for (int kw = 0; kw < ps; kw++)
                                dImg[((b * nc + ch) * h + i * s + kh) * h + j * s + kw] +=
                                        dCols[(b * nm + i * gs + j) * pd + (ch * ps + kh) * ps + kw];
        return dImg;
    }

    // ---------------------------------------------------------------- RMSNorm (mamba_ssm rms_norm_ref, no bias)

    /** y = x·rstd·w per row of length w.length, rstd = (mean x² + eps)^−½ (written into rstd). */
    static double[] rmsNorm(double[] x, double[] w, double eps, double[] rstd) {
        int nd = w.length, rows = x.length / nd;
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < nd; j++) ss += x[r * nd + j] * x[r * nd + j];
            rstd[r] = 1.0 / Math.sqrt(ss / nd + eps);
            for (int j = 0; j < nd; j++) y[r * nd + j] = x[r * nd + j] * rstd[r] * w[j];
        }
        return y;
    }

    /** dx = rstd·(g − x̂·mean(g⊙x̂)) with g = dy⊙w, x̂ = x·rstd (returned); dw += Σ dy⊙x̂. */
    static double[] rmsNormBackward(double[] dy, double[] x, double[] w, double[] rstd, double[] dw) {
        int nd = w.length, rows = x.length / nd;
        double[] dx = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < nd; j++) {
                double xhat = x[r * nd + j] * rstd[r];
                dot += dy[r * nd + j] * w[j] * xhat;
                dw[j] += dy[r * nd + j] * xhat;
            }
            double mean = dot / nd;
            for (int j = 0; j < nd; j++) {
                double xhat = x[r * nd + j] * rstd[r];
                dx[r * nd + j] = rstd[r] * (dy[r * nd + j] * w[j] - xhat * mean);
            }
        }
        return dx;
    }

    // ---------------------------------------------------------------- small dense algebra

    /** a [rows,in] · wᵀ with w [out,in] → [rows,out]. */
    static double[] matmulTransposed(double[] a, int rows, int in, double[] w, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int i = 0; i < in; i++) acc += a[r * in + i] * w[o * in + i];
                y[r * out + o] = acc;
            }
        return y;
    }

    /** a [rows,k] · w [k,n] → [rows,n]. */
    static double[] matmul(double[] a, int rows, int k, double[] w, int n) {
        double[] y = new double[rows * n];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < k; i++) {
                double av = a[r * k + i];
                for (int j = 0; j < n; j++) y[r * n + j] += av * w[i * n + j];
            }
        return y;
    }

    /** acc [m,n] += gyᵀ · x with gy [rows,m], x [rows,n]. */
    static void accumulateOuter(double[] acc, double[] gy, int m, double[] x, int n, int rows) {
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < m; i++) {
                double gv = gy[r * m + i];
                for (int j = 0; j < n; j++) acc[i * n + j] += gv * x[r * n + j];
            }
    }

    private static void addRowVector(double[] y, double[] bias) {
        for (int i = 0; i < y.length; i++) y[i] += bias[i % bias.length];
    }

    private static void addColumnSums(double[] acc, double[] a, int rows) {
        int n = acc.length;
        for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) acc[j] += a[r * n + j];
    }

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
