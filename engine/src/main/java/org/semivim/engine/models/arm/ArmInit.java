package org.semivim.engine.models.arm;

import org.semivim.engine.layers.LayerNorm;
import org.semivim.engine.layers.Linear;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;
import org.semivim.engine.tensor.Tensor;

/**
 * ARM's initial values, reproducible from the seed:
 * <ul>
 *   <li>encoder: exactly the ViM initialisation ({@code VimInit}) of the encoder's ViM config with the
 *       same seed — a ViM with those names is initialised and its tensors copied by name;</li>
 *   <li>decoder blocks ({@code dec_block.*}): xavier_uniform weights, zero biases, LayerNorm 1/0
 *       (ARM {@code atten_init_weights});</li>
 *   <li>{@code enc2dec}, {@code ar_pred}: torch's default Linear weight U(±1/√fan_in), zero bias
 *       (ARM's {@code _init_weights} zeroes every Linear bias);</li>
 *   <li>{@code ar_token}: trunc_normal(std 0.02, ±2); feature norms and {@code ar_norm}: 1/0.</li>
 * </ul>
 * Each non-encoder tensor draws from its own stream {@code "arm.init/<name>"}.
 */
final class ArmInit {
    private ArmInit() {}

    static void initialize(ArmModel model, long seed) {
        VisionMamba vim = new VisionMamba(model.config().encoderConfig(), Ops.reference());
        vim.initialize(seed);
        for (String name : model.encoderParameterNames()) {
            model.parameters().get(name).value().copyFrom(vim.parameters().get(name).value());
        }
        for (LayerNorm n : model.featureNorms()) n.initialize();
        torchDefault(model.enc2dec(), seed);
        Parameter t = model.parameters().get("ar_token");
        RandomStream rs = stream(seed, t.name());
        for (int i = 0; i < t.value().size; i++) t.value().set(i, (float) rs.truncatedNormal(0.02, -2, 2));
        for (ArmDecoderBlock b : model.blocks()) {
            for (LayerNorm n : b.norms()) n.initialize();
            for (Linear l : b.linears()) xavier(l, seed);
        }
        model.arNorm().initialize();
        torchDefault(model.arPred(), seed);
    }

    private static void torchDefault(Linear l, long seed) {
        fillUniform(l.weight().value(), 1.0 / Math.sqrt(l.inFeatures()), stream(seed, l.weight().name()));
        l.bias().value().fill(0f);
    }

    private static void xavier(Linear l, long seed) {
        fillUniform(l.weight().value(), Math.sqrt(6.0 / (l.inFeatures() + l.outFeatures())), stream(seed, l.weight().name()));
        l.bias().value().fill(0f);
    }

    private static void fillUniform(Tensor t, double bound, RandomStream rs) {
        for (int i = 0; i < t.size; i++) t.set(i, (float) rs.uniform(-bound, bound));
    }

    private static RandomStream stream(long seed, String name) {
        return CounterRng.of(seed, "arm.init/" + name).cursor();
    }
}
