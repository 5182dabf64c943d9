package org.semivim.engine.models.mae;

import org.semivim.engine.layers.LayerNorm;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.layers.TransformerBlock;
import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * The MAE decoder ({@code models_mae.py forward_decoder}), parameters under MAE's names
 * {@code decoder_embed}, {@code mask_token}, {@code decoder_blocks.i}, {@code decoder_norm},
 * {@code decoder_pred}:
 * <pre>
 * y = decoder_embed(latent)                               [B,1+K,Dd]
 * x[:,0] = y[:,0];  x[:,1+l] = y[:,1+restore(l)] if patch l is visible, else mask_token     [B,1+L,Dd]
 * x = x + decoder_pos_embed (fixed 2-D sin-cos, zero row for the class token)
 * x = decoder_blocks(x)  (no drop-path, as MAE)
 * pred = decoder_pred(decoder_norm(x[:,1:]))              [B,L,p²c]
 * </pre>
 * MAE norms and predicts all 1 + L tokens and then drops the class token's row; both are per token,
 * so normalising only the L patch rows gives the same values and gradients.
 */
public final class MaeDecoder {
    /** What the backward needs; {@link #pred()} is [B,L,p²c]. */
    public record Output(Tensor latent, MaeMask mask, TransformerBlock.Output[] blocks, Tensor patches,
                         LayerNorm.Output norm, Tensor pred) {}

    private final MaeConfig cfg;
    private final Linear embed;
    private final Parameter maskToken;     // [1,1,Dd]
    private final TransformerBlock[] blocks;
    private final LayerNorm norm;
    private final Linear pred;
    private final float[] posEmbed;        // [1+L, Dd] fixed sin-cos

    public MaeDecoder(Ops ops, ParameterSet.Builder params, MaeConfig cfg) {
        this.cfg = cfg;
        int d = cfg.encoder().embedDim(), dd = cfg.decoderEmbedDim();
        float eps = (float) cfg.encoder().normEps();
        embed = new Linear(ops, params, "decoder_embed", d, dd, true);
        maskToken = params.declareNoDecay("mask_token", 1, 1, dd);
        blocks = new TransformerBlock[cfg.decoderDepth()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new TransformerBlock(ops, params, "decoder_blocks." + i, dd, cfg.decoderNumHeads(), cfg.decoderMlpHidden(), eps, 0.0);
        }
        norm = new LayerNorm(ops, params, "decoder_norm", dd, eps);
        pred = new Linear(ops, params, "decoder_pred", dd, cfg.patchPixels(), true);
        double[] table = SinCosPositionEmbedding.table(dd, cfg.encoder().gridSize(), 1);
        posEmbed = new float[table.length];
        for (int i = 0; i < table.length; i++) posEmbed[i] = (float) table[i];
    }

    /** latent [B,1+K,D] (the encoder's normed tokens for {@code mask}) → the pixel predictions [B,L,p²c]. */
    public Output forward(Tensor latent, MaeMask mask) {
        int batch = mask.batch(), k = mask.keep(), l = cfg.numPatches(), dd = cfg.decoderEmbedDim(), t = 1 + l;
        latent.requireShape("MAE decoder input", batch, 1 + k, cfg.encoder().embedDim());
        if (mask.numPatches() != l) throw new IllegalArgumentException("mask has " + mask.numPatches() + " patches, the model " + l);
        Tensor y = embed.forward(latent);          // [B,1+K,Dd]
        Tensor x = Tensor.zeros(batch, t, dd);     // [B,1+L,Dd]
        int[][] restore = mask.restore();
        float[] mt = maskToken.value().data;
        int mo = maskToken.value().offset;
        for (int b = 0; b < batch; b++) {
            int xb = b * t * dd, yb = b * (1 + k) * dd;
            System.arraycopy(y.data, yb, x.data, xb, dd);
            for (int p = 0; p < l; p++) {
                int rank = restore[b][p];
                if (rank < k) System.arraycopy(y.data, yb + (1 + rank) * dd, x.data, xb + (1 + p) * dd, dd);
                else System.arraycopy(mt, mo, x.data, xb + (1 + p) * dd, dd);
            }
            for (int i = 0; i < t * dd; i++) x.data[xb + i] += posEmbed[i];
        }
        TransformerBlock.Output[] saved = new TransformerBlock.Output[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            saved[i] = blocks[i].forward(x, false, null);
            x = saved[i].y();
        }
        Tensor patches = Tensor.zeros(batch, l, dd); // [B,L,Dd] the patch rows
        for (int b = 0; b < batch; b++) System.arraycopy(x.data, x.offset + (b * t + 1) * dd, patches.data, b * l * dd, l * dd);
        LayerNorm.Output n = norm.forward(patches);
        return new Output(latent, mask, saved, patches, n, pred.forward(n.y()));
    }

    /** Accumulates the decoder's parameter gradients and dLatent [B,1+K,D] (not null) from dPred [B,L,p²c]. */
    public void backward(Output o, Tensor dPred, Tensor dLatent) {
        MaeMask mask = o.mask();
        int batch = mask.batch(), k = mask.keep(), l = cfg.numPatches(), dd = cfg.decoderEmbedDim(), t = 1 + l;
        dPred.requireShape("MAE decoder output gradient", o.pred().shape());
        dLatent.requireShape("MAE decoder input gradient", o.latent().shape());
        Tensor dNormed = Tensor.zeros(batch, l, dd);
        pred.backward(o.norm().y(), dPred, dNormed);
        Tensor dPatches = Tensor.zeros(batch, l, dd);
        norm.backward(o.patches(), o.norm(), dNormed, dPatches);
        Tensor dx = Tensor.zeros(batch, t, dd);    // [B,1+L,Dd]; the class row gets nothing from the head
        for (int b = 0; b < batch; b++) System.arraycopy(dPatches.data, b * l * dd, dx.data, (b * t + 1) * dd, l * dd);
        for (int i = blocks.length - 1; i >= 0; i--) {
            Tensor dIn = Tensor.zeros(batch, t, dd);
            blocks[i].backward(o.blocks()[i], dx, dIn);
            dx = dIn;
        }
        Tensor dy = Tensor.zeros(batch, 1 + k, dd); // [B,1+K,Dd]
        Tensor dMask = maskToken.grad();
        int[][] restore = mask.restore();
        for (int b = 0; b < batch; b++) {
            int xb = b * t * dd, yb = b * (1 + k) * dd;
            System.arraycopy(dx.data, xb, dy.data, yb, dd);
            for (int p = 0; p < l; p++) {
                int rank = restore[b][p], src = xb + (1 + p) * dd;
                if (rank < k) System.arraycopy(dx.data, src, dy.data, yb + (1 + rank) * dd, dd);
                else for (int j = 0; j < dd; j++) dMask.data[dMask.offset + j] += dx.data[src + j];
            }
        }
        embed.backward(o.latent(), dy, dLatent);
    }
}
