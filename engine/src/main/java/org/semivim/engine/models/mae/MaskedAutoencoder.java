package org.semivim.engine.models.mae;

import org.semivim.engine.layers.MaskedMseLoss;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.VisionTransformer;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * A ViT encoder with an MAE decoder in one parameter set (MAE {@code MaskedAutoencoderViT}, ssl-spec.md
 * §2.9; SSMAE's model, §2.8). Parameter names are MAE's: the encoder's timm names (cls_token,
 * pos_embed, patch_embed, blocks.i, norm; plus the classifier {@code head}) then decoder_embed,
 * mask_token, decoder_blocks.i, decoder_norm, decoder_pred. Two passes share the encoder:
 * <ul>
 *   <li>the classifier ({@link #forward}/{@link #backward}, {@link ImageClassifier}): the unmasked ViT,
 *       logits from the class token — SSMAE's classification head;</li>
 *   <li>the reconstruction ({@link #maeForward}/{@link #maeBackward}): encoder on the visible patches
 *       of a {@link MaeMask}, decoder, and the per-patch MSE on the masked patches only
 *       ({@link MaskedMseLoss}, optionally with the norm_pix target).</li>
 * </ul>
 * Both backwards accumulate into the same gradients.
 */
public final class MaskedAutoencoder implements ImageClassifier {
    /** A reconstruction pass: the loss, its gradient w.r.t. the predictions, and what the backward needs. */
    public record MaePass(VisionTransformer.VisiblePass encoder, MaeDecoder.Output decoder, Tensor target, double loss,
                          Tensor dPred) {
        /** The pixel predictions [B,L,p²c]. */
        public Tensor pred() { return decoder.pred(); }
    }

    private final MaeConfig cfg;
    private final VisionTransformer encoder;
    private final MaeDecoder decoder;
    private final MaskedMseLoss loss;
    private final ParameterSet params;

    /** Builds the model on {@code ops} with {@link MaeInit}'s values for {@code initSeed}. */
    public MaskedAutoencoder(MaeConfig cfg, Ops ops, long initSeed) {
        this.cfg = cfg;
        ParameterSet.Builder b = ParameterSet.builder();
        encoder = new VisionTransformer(cfg.encoder(), ops, b);
        decoder = new MaeDecoder(ops, b, cfg);
        params = b.build();
        encoder.attach(params);
        loss = new MaskedMseLoss(ops, cfg.normPixLoss());
        MaeInit.initialize(cfg, params, initSeed);
    }

    public MaeConfig config() { return cfg; }

    /** The encoder as a classifier; its parameters are this model's set. */
    public VisionTransformer encoder() { return encoder; }

    @Override
    public ParameterSet parameters() { return params; }

    @Override
    public int numClasses() { return cfg.encoder().numClasses(); }

    @Override
    public int[] inputShape() { return encoder.inputShape(); }

    /** The classifier: the unmasked ViT forward (logits from the class token). */
    @Override
    public Pass forward(Tensor images, ForwardMode mode) {
        return encoder.forward(images, mode);
    }

    @Override
    public void backward(Pass pass, Tensor dLogits, Tensor dImages) {
        encoder.backward(pass, dLogits, dImages);
    }

    /**
     * The MAE loss of {@code images} [B,C,S,S] under {@code mask}: the encoder on the visible patches
     * (drop-path from {@code mode}, as the classifier pass), the decoder, and the mean over the masked
     * patches of the per-patch MSE against the (optionally norm_pix) patchified images.
     */
    public MaePass maeForward(Tensor images, MaeMask mask, ForwardMode mode) {
        if (mask.batch() != images.dim(0)) throw new IllegalArgumentException("mask has " + mask.batch() + " samples, images " + images.dim(0));
        if (mask.keep() != cfg.keepCount() || mask.numPatches() != cfg.numPatches()) {
            throw new IllegalArgumentException("mask keeps " + mask.keep() + " of " + mask.numPatches() + " patches, the model "
                    + cfg.keepCount() + " of " + cfg.numPatches());
        }
        VisionTransformer.VisiblePass enc = encoder.forwardVisible(images, mask.visible(), mode);
        MaeDecoder.Output dec = decoder.forward(enc.latent(), mask);
        Tensor target = MaePatches.patchify(images, cfg.encoder().patchSize());
        MaskedMseLoss.Result r = loss.forward(dec.pred(), target, mask.lossMask());
        return new MaePass(enc, dec, target, r.loss(), r.dpred());
    }

    /** Accumulates {@code scale}·∂loss/∂θ (and ∂/∂images into {@code dImages} when not null) for a {@link #maeForward} pass. */
    public void maeBackward(MaePass pass, float scale, Tensor dImages) {
        Tensor dPred = pass.dPred();
        if (scale != 1f) {
            dPred = dPred.copy();
            for (int i = 0; i < dPred.size; i++) dPred.data[i] *= scale;
        }
        Tensor dLatent = Tensor.zeros(pass.encoder().latent().shape());
        decoder.backward(pass.decoder(), dPred, dLatent);
        encoder.backwardVisible(pass.encoder(), dLatent, dImages);
    }
}
