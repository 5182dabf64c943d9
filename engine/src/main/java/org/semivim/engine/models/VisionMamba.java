package org.semivim.engine.models;

import org.semivim.engine.layers.DropPath;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.layers.PatchEmbed;
import org.semivim.engine.layers.RMSNorm;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The Vision Mamba classifier of hustvl/Vim (vim-spec.md §2–§4), in float on an {@link Ops} backend:
 * <pre>
 * tokens = PatchEmbed(img) [B,M,D];  x = insert cls at c, + pos_embed  [B,L,D]
 * residual_0 = x;  h_i = Mixer_i(RMSNorm_i(residual_i));  residual_{i+1} = residual_i + DropPath_i(h_i)
 * features = RMSNorm_f(residual_depth)[:, c]  (mean / last token without a class token);  logits = head(features)
 * </pre>
 * DropPath_j, applied to mixer j's output, has rate drop_path_rate·j/(depth−1) (the official shifted
 * linspace, §3); in training its per-sample mask is drawn from {@code mode.dropRng().derive(j)} at
 * counter b for sample b. The SSMixup term of {@link ForwardMode.SsMixup} enters the first
 * {@code layers} mixers (§11). Parameters carry the official state-dict names, in that order.
 */
public final class VisionMamba implements ImageClassifier {
    /** Elements per task of the residual add (a split by size only: results do not depend on threads). */
    private static final int ADD_CHUNK = 1 << 16;

    private final VimConfig cfg;
    private final ParameterSet params;
    private final Parameter clsToken;                 // [1,1,D], null without a class token
    private final Parameter posEmbed;                 // [1,L,D]
    private final PatchEmbed patchEmbed;
    private final Linear head;
    private final List<MambaMixer> mixers = new ArrayList<>();
    private final List<RMSNorm> norms = new ArrayList<>();
    private final List<DropPath> dropPaths = new ArrayList<>();
    private final RMSNorm normF;
    /** The saved activations of released passes, for the next forward (see {@link #release}). */
    private final ActivationArena arena = new ActivationArena();

    public VisionMamba(VimConfig cfg, Ops ops) {
        this.cfg = cfg;
        int nd = cfg.embedDim();
        ParameterSet.Builder b = ParameterSet.builder();
        this.clsToken = cfg.hasClsToken() ? b.declareNoDecay("cls_token", 1, 1, nd) : null;
        this.posEmbed = b.declareNoDecay("pos_embed", 1, cfg.seqLen(), nd);
        this.patchEmbed = new PatchEmbed(ops, b, "patch_embed", cfg.inChans(), nd, cfg.patchSize(), cfg.patchStride());
        this.head = new Linear(ops, b, "head", nd, cfg.numClasses(), true);
        float eps = (float) cfg.normEps();
        for (int i = 0; i < cfg.depth(); i++) {
            mixers.add(new MambaMixer(ops, b, VimParameters.mixerPrefix(i), cfg));
            norms.add(new RMSNorm(ops, b, "layers." + i + ".norm", nd, eps));
            dropPaths.add(new DropPath(cfg.mixerDropRate(i)));
        }
        this.normF = new RMSNorm(ops, b, "norm_f", nd, eps);
        this.params = b.build();
    }

    public VimConfig config() { return cfg; }

    @Override public ParameterSet parameters() { return params; }

    @Override public int numClasses() { return cfg.numClasses(); }

    @Override public int[] inputShape() { return new int[] {cfg.inChans(), cfg.imgSize(), cfg.imgSize()}; }

    /** The official initialisation (vim-spec.md §8), reproducible from the seed ({@link VimInit}). */
    public void initialize(long seed) {
        VimInit.initialize(cfg, params, seed);
    }

    /** One block's saved tensors; {@code drop} is the mask applied to this block's mixer output (null: identity). */
    private record LayerSaved(Tensor residual, RMSNorm.Output norm, MambaMixer.Saved mixer, DropPath.Mask drop) {}

    /**
     * A forward pass of this model. The images tensor is kept (not copied): do not change it before the
     * backward. The saved [B,L,·] activations come from {@code acts} (the model's arena).
     */
    private record VimPass(VisionMamba model, Tensor images, List<LayerSaved> layers, Tensor residualFinal,
                           RMSNorm.Output normF, Tensor features, Tensor logits, Activations acts) implements Pass {}

    @Override
    public Pass forward(Tensor images, ForwardMode mode) {
        int batch = checkImages(images);
        int nd = cfg.embedDim(), nl = cfg.seqLen(), c = cfg.clsIndex();
        ForwardMode.SsMixup mix = mode.ssMixup();
        float[] psi = mix == null ? null : mix.psi();
        if (psi != null && psi.length != batch) {
            throw new IllegalArgumentException("SSMixup psi has " + psi.length + " values for a batch of " + batch);
        }
        if (mix != null && !cfg.bidirectional() && mix.layers() > 0) {
            throw new IllegalArgumentException("SSMixup needs bimamba v2; this model has bimamba none");
        }
        Activations acts = Activations.leased(arena);
        Tensor tokens = patchEmbed.forward(images);                       // [B,M,D]
        Tensor residual = embed(tokens, batch, acts);                     // [B,L,D] residual_0
        List<LayerSaved> layers = new ArrayList<>();
        for (int i = 0; i < cfg.depth(); i++) {
            RMSNorm.Output normed = norms.get(i).forward(residual, acts.output(residual.shape()), acts.output(residual.size / nd));
            boolean mixHere = mix != null && i < mix.layers();
            MambaMixer.Output h = mixers.get(i).forward(normed.y(), mixHere ? psi : null, mixHere ? mix.nu() : 0f, acts);
            CounterRng rng = mode.training() ? mode.dropRng().derive(i) : null;
            DropPath.Mask drop = dropPaths.get(i).maskFor(h.y(), mode.training(), rng, 0);
            layers.add(new LayerSaved(residual, normed, h.saved(), drop));
            residual = addDropped(residual, h.y(), drop, acts);                 // residual_{i+1} (the add of block i+1, or the final add)
        }
        RMSNorm.Output nf = normF.forward(residual, acts.output(residual.shape()), acts.output(residual.size / nd));
        Tensor features = Tensor.zeros(batch, nd);                        // [B,D]
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nd; j++) {
                float v;
                if (c >= 0) v = nf.y().data[(b * nl + c) * nd + j];     // the class token; no pooling
                else if (cfg.finalPool() == VimConfig.FinalPool.LAST) v = nf.y().data[(b * nl + nl - 1) * nd + j];
                else {
                    double sum = 0;                                       // mean over tokens, summed in double
                    for (int t = 0; t < nl; t++) sum += nf.y().data[(b * nl + t) * nd + j];
                    v = (float) (sum / nl);
                }
                features.data[b * nd + j] = v;
            }
        }
        Tensor logits = head.forward(features);                           // [B,K]
        return new VimPass(this, images, layers, residual, nf, features, logits, acts);
    }

    /**
     * Gives the pass's saved activations back to this model for its next forward passes; the pass
     * cannot be used for a backward afterwards (its logits stay valid: they are not reused).
     */
    @Override
    public void release(Pass pass) {
        ownPass(pass).acts().release();
    }

    /** The arena of released activations (tests). */
    ActivationArena activationArena() {
        return arena;
    }

    private VimPass ownPass(Pass pass) {
        if (!(pass instanceof VimPass p) || p.model() != this) {
            throw new IllegalArgumentException("the pass was not returned by this model's forward");
        }
        return p;
    }

    @Override
    public void backward(Pass pass, Tensor dLogits, Tensor dImages) {
        if (!(pass instanceof VimPass p) || p.model() != this) {
            throw new IllegalArgumentException("backward needs a pass returned by this model's forward");
        }
        if (p.acts().released()) throw new IllegalStateException("backward of a released forward pass");
        int batch = p.images().dim(0), nd = cfg.embedDim(), nl = cfg.seqLen(), c = cfg.clsIndex();
        dLogits.requireShape("VisionMamba dLogits", batch, cfg.numClasses());
        if (dImages != null) dImages.requireShape("VisionMamba dImages", p.images().shape());
        Tensor dFeatures = Tensor.zeros(batch, nd);                       // [B,D]
        head.backward(p.features(), dLogits, dFeatures);
        Tensor dNormF = Tensor.zeros(batch, nl, nd);                      // [B,L,D]
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nd; j++) {
                float g = dFeatures.data[b * nd + j];
                if (c >= 0) dNormF.data[(b * nl + c) * nd + j] = g;
                else if (cfg.finalPool() == VimConfig.FinalPool.LAST) dNormF.data[(b * nl + nl - 1) * nd + j] = g;
                else for (int t = 0; t < nl; t++) dNormF.data[(b * nl + t) * nd + j] = g / nl;
            }
        }
        Tensor dResidual = Tensor.zeros(batch, nl, nd);                   // [B,L,D] ∂L/∂residual_{i+1}, then _i
        normF.backward(p.residualFinal(), p.normF(), dNormF, dResidual);
        Workspace ws = Workspace.current();
        for (int i = cfg.depth() - 1; i >= 0; i--) {
            LayerSaved l = p.layers().get(i);
            int mark = ws.mark();
            try {
                Tensor dMixerOut = ws.scratch(batch, nl, nd);             // [B,L,D] (written in full)
                dropPaths.get(i).backwardInto(l.drop(), dResidual, dMixerOut);
                Tensor dNormed = ws.zeros(batch, nl, nd);                 // [B,L,D]
                mixers.get(i).backward(l.mixer(), dMixerOut, dNormed);
                norms.get(i).backward(l.residual(), l.norm(), dNormed, dResidual);  // the skip path already holds ∂L/∂residual_{i+1}
            } finally {
                ws.release(mark);
            }
        }
        // embedding: residual_0 = insert(tokens, cls at c) + pos_embed
        Tensor dTokens = Tensor.zeros(batch, cfg.numPatches(), nd);       // [B,M,D]
        float[] dPos = posEmbed.grad().data;
        int posOff = posEmbed.grad().offset;
        Parallel.forEach(nl, t -> {                                       // one task per token: its sums over b stay in sample order
            for (int b = 0; b < batch; b++) {
                int src = (b * nl + t) * nd;
                for (int j = 0; j < nd; j++) dPos[posOff + t * nd + j] += dResidual.data[src + j];
                if (t == c) {
                    Tensor dCls = clsToken.grad();
                    for (int j = 0; j < nd; j++) dCls.data[dCls.offset + j] += dResidual.data[src + j];
                } else {
                    System.arraycopy(dResidual.data, src, dTokens.data, (b * cfg.numPatches() + patchIndex(t)) * nd, nd);
                }
            }
        });
        patchEmbed.backward(p.images(), dTokens, dImages);
    }

    /** [B,L,D] = tokens with the class token inserted at c, plus pos_embed. */
    private Tensor embed(Tensor tokens, int batch, Activations acts) {
        int nd = cfg.embedDim(), nl = cfg.seqLen(), nm = cfg.numPatches(), c = cfg.clsIndex();
        Tensor x = acts.output(batch, nl, nd);                            // every row written below
        Tensor pos = posEmbed.value();
        Parallel.forEach(batch, b -> {                                    // element-wise: any split gives the same bits
            for (int t = 0; t < nl; t++) {
                int dst = (b * nl + t) * nd;
                if (t == c) System.arraycopy(clsToken.value().data, clsToken.value().offset, x.data, dst, nd);
                else System.arraycopy(tokens.data, tokens.offset + (b * nm + patchIndex(t)) * nd, x.data, dst, nd);
                for (int j = 0; j < nd; j++) x.data[dst + j] += pos.data[pos.offset + t * nd + j];
            }
        });
        return x;
    }

    /** The patch at sequence position t (t ≠ c): positions after the class token are shifted by one. */
    private int patchIndex(int t) {
        int c = cfg.clsIndex();
        return c >= 0 && t > c ? t - 1 : t;
    }

    /**
     * residual + DropPath(h) [B,L,D] in one pass: residual_b + h_b / keep · kept[b] (DropPath's
     * operations, so the bits of DropPath.forward followed by an add), or residual + h without a mask.
     */
    private static Tensor addDropped(Tensor residual, Tensor h, DropPath.Mask drop, Activations acts) {
        Tensor y = acts.output(residual.shape());                         // every element written below
        float[] yd = y.data, rd = residual.data, hd = h.data;
        int ro = residual.offset, ho = h.offset;
        if (drop == null) {
            Parallel.forEach(Parallel.chunks(y.size, ADD_CHUNK), c -> {
                for (int i = c * ADD_CHUNK, end = Math.min(y.size, i + ADD_CHUNK); i < end; i++) yd[i] = rd[ro + i] + hd[ho + i];
            });
            return y;
        }
        int perSample = y.size / residual.dim(0);
        float keep = drop.keep();
        Parallel.forEach(residual.dim(0), b -> {                         // one task per sample: one factor per loop
            float kept = drop.kept()[b];
            for (int i = b * perSample, end = i + perSample; i < end; i++) yd[i] = rd[ro + i] + hd[ho + i] / keep * kept;
        });
        return y;
    }

    private int checkImages(Tensor images) {
        int[] want = inputShape();
        if (images.rank() != 4 || images.dim(0) < 1 || images.dim(1) != want[0] || images.dim(2) != want[1]
                || images.dim(3) != want[2]) {
            throw new IllegalArgumentException("VisionMamba input images: expected shape [B," + want[0] + "," + want[1]
                    + "," + want[2] + "] with B >= 1 but got " + java.util.Arrays.toString(images.shape()));
        }
        return images.dim(0);
    }
}
