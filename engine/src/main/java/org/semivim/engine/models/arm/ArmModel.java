package org.semivim.engine.models.arm;

import org.semivim.engine.layers.LayerNorm;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.layers.MaskedMseLoss;
import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.ops.AttentionMask;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ARM pre-training (ssl-spec.md §2.10, ARM {@code models_pretrain.py}) with the encoder of
 * {@link ArmEncoder}. One forward computes the loss:
 * <pre>
 * padded = pad(img, pad, pad_value)                                       [B,C,S,S]
 * residual_l = encoder on clusters 1..K−1                                 [B,N,D]
 * f = concat_k LayerNorm_k(residual_{layer_k}), k = 1..4                  [B,N,4D]     norm_1..norm_4
 * lat = enc2dec(f)                                                        [B,N,J·Dd]   (J decoder blocks)
 * kv_j[..., c] = lat[..., c·J + j]    (ARM's reshape(B,N,Dd,J)[..., j])   [B,N,Dd]
 * q = ar_token + dec_pos(clusters 2..K)                                   [B,N,Dd]     (fixed sin-cos dec_pos)
 * q ← DecoderBlock_j(q, kv_j, block-causal mask) for j = 0..J−1           queries of cluster k+1 see clusters ≤ k
 * pred = ar_pred(ar_norm(q))                                              [B,N,C·p²]
 * loss = mean over (B, N, C·p²) of (pred − norm_pix(target))²,  target = patches of clusters 2..K
 * </pre>
 * {@link #backward} accumulates ∂loss/∂θ for every parameter. Parameter names: the encoder's are
 * the ViM's ({@link #encoderParameterNames()}); the rest are ARM's.
 */
public final class ArmModel {
    /** A forward pass: the loss and what the backward needs. */
    public record Pass(ArmModel model, double loss, Tensor pred, Tensor dPred, ArmEncoder.Saved encoder,
                       List<LayerNorm.Output> featureNorms, Tensor features, List<Tensor> kv,
                       List<ArmDecoderBlock.Saved> blocks, Tensor decoded, LayerNorm.Output arNorm) {}

    private final ArmConfig cfg;
    private final ParameterSet params;
    private final ArmEncoder encoder;
    private final List<LayerNorm> featureNorms = new ArrayList<>();
    private final Linear enc2dec;
    private final Parameter arToken;                // [1,1,Dd]
    private final List<ArmDecoderBlock> blocks = new ArrayList<>();
    private final LayerNorm arNorm;
    private final Linear arPred;
    private final MaskedMseLoss loss;
    private final AttentionMask mask;
    private final float[] decPos;                   // [G², Dd] fixed sin-cos
    private final int[] order;
    private final List<String> encoderNames;

    public ArmModel(ArmConfig cfg, Ops ops) {
        this.cfg = cfg;
        ParameterSet.Builder b = ParameterSet.builder();
        this.encoder = new ArmEncoder(ops, b, cfg);
        this.encoderNames = encoderParameterNames(cfg);
        int d = cfg.embedDim(), dd = cfg.decoderDim(), jd = cfg.decoderDepth();
        for (int k = 1; k <= 4; k++) featureNorms.add(new LayerNorm(ops, b, "norm_" + k, d, ArmConfig.LAYER_NORM_EPS));
        this.enc2dec = new Linear(ops, b, "enc2dec", 4 * d, jd * dd, true);
        this.arToken = b.declareNoDecay("ar_token", 1, 1, dd);
        for (int j = 0; j < jd; j++) blocks.add(new ArmDecoderBlock(ops, b, "dec_block." + j, cfg));
        this.arNorm = new LayerNorm(ops, b, "ar_norm", dd, ArmConfig.LAYER_NORM_EPS);
        this.arPred = new Linear(ops, b, "ar_pred", dd, cfg.patchPixels(), true);
        this.params = b.build();
        this.loss = new MaskedMseLoss(ops, true);
        this.mask = AttentionMask.blockCausal(cfg.clusters() - 1, cfg.tokensPerCluster());
        this.decPos = ArmEncoder.toFloat(SinCosPositionEmbedding.table(dd, cfg.grid(), 0));
        this.order = cfg.clusterOrder();
    }

    public ArmConfig config() { return cfg; }

    public ParameterSet parameters() { return params; }

    /** The encoder's parameter names (all ViM names), in state-dict order. */
    public List<String> encoderParameterNames() { return encoderNames; }

    /** The encoder parameter names of an ARM model of {@code cfg} (ViM names, state-dict order), without building the model. */
    public static List<String> encoderParameterNames(ArmConfig cfg) {
        ParameterSet.Builder probe = ParameterSet.builder();
        new ArmEncoder(Ops.reference(), probe, cfg);
        return List.copyOf(probe.build().names());
    }

    /** ARM's initialisation, reproducible from the seed ({@link ArmInit}). */
    public void initialize(long seed) {
        ArmInit.initialize(this, seed);
    }

    List<LayerNorm> featureNorms() { return featureNorms; }
    Linear enc2dec() { return enc2dec; }
    List<ArmDecoderBlock> blocks() { return blocks; }
    LayerNorm arNorm() { return arNorm; }
    Linear arPred() { return arPred; }

    /** images [B,C,H,W] at the target's size (normalised) → the loss and the saved pass. */
    public Pass forward(Tensor images) {
        int batch = checkImages(images);
        int n = cfg.sequenceLength(), d = cfg.embedDim(), dd = cfg.decoderDim(), jd = cfg.decoderDepth();
        Tensor padded = pad(images);
        ArmEncoder.Saved enc = encoder.forward(padded);
        int[] layers = cfg.featureLayers();
        Tensor features = Tensor.zeros(batch, n, 4 * d);                         // [B,N,4D]
        List<LayerNorm.Output> fn = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            LayerNorm.Output o = featureNorms.get(k).forward(enc.residuals().get(layers[k]));
            fn.add(o);
            for (int r = 0; r < batch * n; r++) System.arraycopy(o.y().data, r * d, features.data, r * 4 * d + k * d, d);
        }
        Tensor lat = enc2dec.forward(features);                                  // [B,N,J·Dd]
        List<Tensor> kv = new ArrayList<>();
        for (int j = 0; j < jd; j++) {
            Tensor t = Tensor.zeros(batch, n, dd);
            for (int r = 0; r < batch * n; r++) {
                for (int c = 0; c < dd; c++) t.data[r * dd + c] = lat.data[r * jd * dd + c * jd + j];
            }
            kv.add(t);
        }
        Tensor q = queries(batch);
        List<ArmDecoderBlock.Saved> saved = new ArrayList<>();
        for (int j = 0; j < jd; j++) {
            ArmDecoderBlock.Output o = blocks.get(j).forward(q, kv.get(j), mask);
            saved.add(o.saved());
            q = o.y();
        }
        LayerNorm.Output an = arNorm.forward(q);
        Tensor pred = arPred.forward(an.y());                                    // [B,N,C·p²]
        Tensor target = targets(padded);                                         // [B,N,C·p²]
        Tensor ones = Tensor.zeros(batch, n);
        ones.fill(1f);
        MaskedMseLoss.Result r = loss.forward(pred, target, ones);
        return new Pass(this, r.loss(), pred, r.dpred(), enc, fn, features, kv, saved, q, an);
    }

    /** Accumulates ∂loss/∂θ into every parameter's gradient. */
    public void backward(Pass p) {
        if (p.model() != this) throw new IllegalArgumentException("backward needs a pass returned by this model's forward");
        int batch = p.pred().dim(0), n = cfg.sequenceLength(), d = cfg.embedDim(), dd = cfg.decoderDim(), jd = cfg.decoderDepth();
        Tensor dNormed = Tensor.zeros(batch, n, dd);
        arPred.backward(p.arNorm().y(), p.dPred(), dNormed);
        Tensor dq = Tensor.zeros(batch, n, dd);
        arNorm.backward(p.decoded(), p.arNorm(), dNormed, dq);
        Tensor dLat = Tensor.zeros(batch, n, jd * dd);
        for (int j = jd - 1; j >= 0; j--) {
            Tensor dqIn = Tensor.zeros(batch, n, dd), dkv = Tensor.zeros(batch, n, dd);
            blocks.get(j).backward(p.blocks().get(j), dq, dqIn, dkv);
            for (int r = 0; r < batch * n; r++) {
                for (int c = 0; c < dd; c++) dLat.data[r * jd * dd + c * jd + j] += dkv.data[r * dd + c];
            }
            dq = dqIn;
        }
        float[] g = arToken.grad().data;                                         // q0 = ar_token + dec_pos
        int go = arToken.grad().offset;
        for (int r = 0; r < batch * n; r++) for (int c = 0; c < dd; c++) g[go + c] += dq.data[r * dd + c];
        Tensor dFeatures = Tensor.zeros(batch, n, 4 * d);
        enc2dec.backward(p.features(), dLat, dFeatures);
        int[] layers = cfg.featureLayers();
        List<Tensor> taps = new ArrayList<>();
        for (int l = 0; l <= cfg.target().depth(); l++) taps.add(null);
        for (int k = 0; k < 4; k++) {
            Tensor dy = Tensor.zeros(batch, n, d);
            for (int r = 0; r < batch * n; r++) System.arraycopy(dFeatures.data, r * 4 * d + k * d, dy.data, r * d, d);
            if (taps.get(layers[k]) == null) taps.set(layers[k], Tensor.zeros(batch, n, d));
            featureNorms.get(k).backward(p.encoder().residuals().get(layers[k]), p.featureNorms().get(k), dy, taps.get(layers[k]));
        }
        encoder.backward(p.encoder(), taps);
    }

    /** [B,N,Dd]: ar_token + dec_pos at the patches of clusters 2..K, the same for every sample. */
    private Tensor queries(int batch) {
        int n = cfg.sequenceLength(), dd = cfg.decoderDim(), skip = cfg.tokensPerCluster();
        Tensor q = Tensor.zeros(batch, n, dd);
        float[] t = arToken.value().data;
        int to = arToken.value().offset;
        for (int s = 0; s < n; s++) {
            int m = order[skip + s];
            for (int c = 0; c < dd; c++) q.data[s * dd + c] = t[to + c] + decPos[m * dd + c];
        }
        for (int bi = 1; bi < batch; bi++) System.arraycopy(q.data, 0, q.data, bi * n * dd, n * dd);
        return q;
    }

    /** The pixels of the patches of clusters 2..K in sequence order [B,N,C·p²], each patch as (c, y, x) raster. */
    private Tensor targets(Tensor padded) {
        int batch = padded.dim(0), ch = padded.dim(1), side = padded.dim(2), p = cfg.target().patchSize(), g = cfg.grid();
        int n = cfg.sequenceLength(), skip = cfg.tokensPerCluster(), pp = cfg.patchPixels();
        Tensor t = Tensor.zeros(batch, n, pp);
        for (int bi = 0; bi < batch; bi++) {
            for (int s = 0; s < n; s++) {
                int m = order[skip + s], row = m / g, col = m % g, dst = (bi * n + s) * pp;
                for (int c = 0; c < ch; c++) {
                    for (int y = 0; y < p; y++) {
                        int src = padded.offset + ((bi * ch + c) * side + row * p + y) * side + col * p;
                        System.arraycopy(padded.data, src, t.data, dst + (c * p + y) * p, p);
                    }
                }
            }
        }
        return t;
    }

    /** images [B,C,H,W] → [B,C,H+2·pad,W+2·pad] with pad_value around. */
    Tensor pad(Tensor images) {
        int batch = images.dim(0), ch = images.dim(1), h = images.dim(2), pd = cfg.pad(), side = cfg.paddedSize();
        Tensor out = Tensor.zeros(batch, ch, side, side);
        out.fill((float) cfg.padValue());
        for (int bc = 0; bc < batch * ch; bc++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(images.data, images.offset + (bc * h + y) * h, out.data, (bc * side + y + pd) * side + pd, h);
            }
        }
        return out;
    }

    private int checkImages(Tensor images) {
        int c = cfg.target().inChans(), s = cfg.target().imgSize();
        if (images.rank() != 4 || images.dim(0) < 1 || images.dim(1) != c || images.dim(2) != s || images.dim(3) != s) {
            throw new IllegalArgumentException("ArmModel input images: expected shape [B," + c + "," + s + "," + s + "] with B >= 1 but got "
                    + Arrays.toString(images.shape()));
        }
        return images.dim(0);
    }
}
