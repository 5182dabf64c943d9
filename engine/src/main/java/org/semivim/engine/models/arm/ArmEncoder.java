package org.semivim.engine.models.arm;

import org.semivim.engine.layers.PatchEmbed;
import org.semivim.engine.layers.RMSNorm;
import org.semivim.engine.models.MambaMixer;
import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VimParameters;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The ARM encoder: the forward (causal) direction of the target ViM, built from the same pieces
 * with the same parameter names, so every tensor it trains has a namesake in the ViM:
 * <pre>
 * tokens = PatchEmbed(padded img) [B,G²,D] + fixed 2-D sin-cos pos (G×G grid)       patch_embed.proj.*
 * x = tokens regrouped into clusters, clusters 1..K−1 only            [B,N,D], N = (K−1)·c²
 * residual_0 = x;  residual_{i+1} = residual_i + Mixer_i(RMSNorm_i(residual_i))    layers.i.mixer.*, layers.i.norm.weight
 * </pre>
 * Mixer_i is {@link MambaMixer} with {@code bimamba none} (in_proj, conv1d, x_proj, dt_proj, A_log,
 * D, out_proj; no _b twins); nothing in the Mamba internals is changed. The position embedding is
 * a constant (ARM's {@code requires_grad=False}), not a parameter. There is no final norm and no
 * drop path (ARM's layers use drop_path 0).
 */
final class ArmEncoder {
    /** All residual streams residual_0..residual_depth [B,N,D] and each block's saved tensors. */
    record Saved(Tensor padded, List<Tensor> residuals, List<RMSNorm.Output> norms, List<MambaMixer.Saved> mixers) {}

    private final ArmConfig cfg;
    private final PatchEmbed patchEmbed;
    private final List<MambaMixer> mixers = new ArrayList<>();
    private final List<RMSNorm> norms = new ArrayList<>();
    private final float[] pos;          // [G², D] fixed sin-cos, grid order
    private final int[] order;          // sequence position → patch index

    ArmEncoder(Ops ops, ParameterSet.Builder b, ArmConfig cfg) {
        this.cfg = cfg;
        VimConfig enc = cfg.encoderConfig();
        this.patchEmbed = new PatchEmbed(ops, b, "patch_embed", enc.inChans(), enc.embedDim(), enc.patchSize(), enc.patchStride());
        for (int i = 0; i < enc.depth(); i++) {
            mixers.add(new MambaMixer(ops, b, VimParameters.mixerPrefix(i), enc));
            norms.add(new RMSNorm(ops, b, "layers." + i + ".norm", enc.embedDim(), (float) enc.normEps()));
        }
        this.pos = toFloat(SinCosPositionEmbedding.table(enc.embedDim(), cfg.grid(), 0));
        this.order = cfg.clusterOrder();
    }

    /** images [B,C,S,S] (already padded) → every residual stream. */
    Saved forward(Tensor padded) {
        int batch = padded.dim(0), d = cfg.embedDim(), n = cfg.sequenceLength(), g2 = cfg.grid() * cfg.grid();
        Tensor tokens = patchEmbed.forward(padded);                              // [B,G²,D]
        Tensor x = Tensor.zeros(batch, n, d);                                    // [B,N,D] residual_0
        for (int bi = 0; bi < batch; bi++) {
            for (int s = 0; s < n; s++) {
                int m = order[s], src = tokens.offset + (bi * g2 + m) * d, dst = (bi * n + s) * d;
                for (int j = 0; j < d; j++) x.data[dst + j] = tokens.data[src + j] + pos[m * d + j];
            }
        }
        List<Tensor> residuals = new ArrayList<>();
        List<RMSNorm.Output> normOut = new ArrayList<>();
        List<MambaMixer.Saved> mixerOut = new ArrayList<>();
        residuals.add(x);
        Tensor residual = x;
        for (int i = 0; i < mixers.size(); i++) {
            RMSNorm.Output nrm = norms.get(i).forward(residual);
            MambaMixer.Output h = mixers.get(i).forward(nrm.y(), null, 0f);
            normOut.add(nrm);
            mixerOut.add(h.saved());
            residual = ArmDecoderBlock.add(residual, h.y());
            residuals.add(residual);
        }
        return new Saved(padded, residuals, normOut, mixerOut);
    }

    /**
     * Accumulates every encoder gradient from dResiduals.get(l) = ∂L/∂residual_l reaching it from
     * outside the stack (the feature taps; null entries for none), l = 1..depth.
     */
    void backward(Saved s, List<Tensor> dResiduals) {
        int batch = s.padded().dim(0), d = cfg.embedDim(), n = cfg.sequenceLength(), g2 = cfg.grid() * cfg.grid();
        Tensor dRes = Tensor.zeros(batch, n, d);                                 // ∂L/∂residual_l, l = depth … 0
        for (int l = mixers.size(); l >= 1; l--) {
            Tensor tap = dResiduals.get(l);
            if (tap != null) for (int i = 0; i < dRes.size; i++) dRes.data[i] += tap.data[tap.offset + i];
            Tensor dNormed = Tensor.zeros(batch, n, d);
            mixers.get(l - 1).backward(s.mixers().get(l - 1), dRes, dNormed);
            norms.get(l - 1).backward(s.residuals().get(l - 1), s.norms().get(l - 1), dNormed, dRes);   // skip path already in dRes
        }
        Tensor dTokens = Tensor.zeros(batch, g2, d);                             // [B,G²,D]; cluster K gets 0
        for (int bi = 0; bi < batch; bi++) {
            for (int sq = 0; sq < n; sq++) {
                System.arraycopy(dRes.data, (bi * n + sq) * d, dTokens.data, (bi * g2 + order[sq]) * d, d);
            }
        }
        patchEmbed.backward(s.padded(), dTokens, null);
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
