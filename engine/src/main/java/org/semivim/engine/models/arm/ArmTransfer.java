package org.semivim.engine.models.arm;

import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VimParameters;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ARM → bidirectional ViM transfer (ssl-spec.md §2.10, ARM {@code Finetuning/main_finetune.py}):
 * <ol>
 *   <li>every encoder tensor goes to its namesake in the ViM (patch_embed, in_proj, conv1d, x_proj,
 *       dt_proj, A_log, D, out_proj, the block RMSNorms);</li>
 *   <li>every forward-branch tensor is also copied into its backward twin: conv1d → conv1d_b,
 *       x_proj → x_proj_b, dt_proj → dt_proj_b, A_log → A_b_log, D → D_b;</li>
 *   <li>cls_token, head and norm_f keep the ViM's own initialisation (new, as in ARM);</li>
 *   <li>pos_embed [ours]: with {@link PositionPolicy#RESAMPLED_SINCOS} the ViM's rows are the encoder's
 *       fixed 2-D sin-cos code evaluated at the centres of the ViM's patches in the padded grid
 *       (patch (i, j) of the unpadded image sits at grid coordinate (i + pad/p, j + pad/p), 0.5 for
 *       Fashion-MNIST), with a zero row at the class token; with {@link PositionPolicy#KEEP_INIT} it
 *       keeps the ViM's own initialisation.</li>
 * </ol>
 */
public final class ArmTransfer {
    private ArmTransfer() {}

    /** What to put into the ViM's learnable pos_embed. */
    public enum PositionPolicy { RESAMPLED_SINCOS, KEEP_INIT }

    /** The forward-branch leaves and their backward twins (mixer-relative names). */
    private static final Map<String, String> TWIN_LEAVES = twinLeaves();

    private static Map<String, String> twinLeaves() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("A_log", "A_b_log");
        m.put("D", "D_b");
        m.put("conv1d.weight", "conv1d_b.weight");
        m.put("conv1d.bias", "conv1d_b.bias");
        m.put("x_proj.weight", "x_proj_b.weight");
        m.put("dt_proj.weight", "dt_proj_b.weight");
        m.put("dt_proj.bias", "dt_proj_b.bias");
        return m;
    }

    /** Forward-branch name → backward twin name, for every layer of {@code target}. */
    public static Map<String, String> twinNames(VimConfig target) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < target.depth(); i++) {
            String pre = VimParameters.mixerPrefix(i);
            for (var e : TWIN_LEAVES.entrySet()) m.put(pre + e.getKey(), pre + e.getValue());
        }
        return m;
    }

    /**
     * Copies the ARM encoder weights {@code encoder} (name → tensor, e.g. read from the ARM
     * safetensors) into {@code target}, a parameter set with the layout of {@code cfg.target()}.
     * Every encoder name of {@code cfg} must be present with its shape; other names are refused.
     * Returns the target names written, in order.
     */
    public static List<String> transfer(Map<String, Tensor> encoder, ArmConfig cfg, ParameterSet target, PositionPolicy policy) {
        List<String> expected = ArmModel.encoderParameterNames(cfg);
        for (String name : encoder.keySet()) {
            if (!expected.contains(name)) throw new IllegalArgumentException("ARM transfer: '" + name + "' is not an ARM encoder tensor");
        }
        Map<String, String> twins = twinNames(cfg.target());
        List<String> written = new ArrayList<>();
        for (String name : expected) {
            Tensor src = encoder.get(name);
            if (src == null) throw new IllegalArgumentException("ARM transfer: the encoder weights lack '" + name + "'");
            copy(src, target.get(name), name);
            written.add(name);
            String twin = twins.get(name);
            if (twin != null) {
                copy(src, target.get(twin), twin);
                written.add(twin);
            }
        }
        if (policy == PositionPolicy.RESAMPLED_SINCOS) {
            Parameter pos = target.get("pos_embed");
            pos.value().copyFrom(Tensor.wrap(resampledPositions(cfg), pos.shape()));
            written.add(pos.name());
        }
        return written;
    }

    /** The encoder weights of a trained ARM model: its encoder tensors by name (views of its values). */
    public static Map<String, Tensor> encoderWeights(ArmModel model) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String name : model.encoderParameterNames()) m.put(name, model.parameters().get(name).value());
        return m;
    }

    /**
     * The ViM pos_embed [1, L, D] of {@link PositionPolicy#RESAMPLED_SINCOS}: row t is the 2-D sin-cos
     * code (MAE layout: [sin(xω), cos(xω), sin(yω), cos(yω)]) of its patch's centre in the padded
     * grid, x = j + pad/p, y = i + pad/p; the class token's row is 0.
     */
    public static float[] resampledPositions(ArmConfig cfg) {
        VimConfig t = cfg.target();
        int d = t.embedDim(), g = t.grid(), c = t.clsIndex(), quarter = d / 4;
        double shift = cfg.pad() / (double) t.patchSize();
        float[] out = new float[t.seqLen() * d];
        for (int s = 0; s < t.seqLen(); s++) {
            if (s == c) continue;
            int m = c >= 0 && s > c ? s - 1 : s;
            double x = m % g + shift, y = m / g + shift;
            for (int k = 0; k < quarter; k++) {
                double omega = 1.0 / Math.pow(10000.0, k / (double) quarter);
                out[s * d + k] = (float) Math.sin(x * omega);
                out[s * d + quarter + k] = (float) Math.cos(x * omega);
                out[s * d + 2 * quarter + k] = (float) Math.sin(y * omega);
                out[s * d + 3 * quarter + k] = (float) Math.cos(y * omega);
            }
        }
        return out;
    }

    private static void copy(Tensor src, Parameter dst, String name) {
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("ARM transfer: '" + name + "' has shape " + Arrays.toString(src.shape())
                    + " but the ViM needs " + Arrays.toString(dst.shape()));
        }
        dst.value().copyFrom(src);
    }
}
