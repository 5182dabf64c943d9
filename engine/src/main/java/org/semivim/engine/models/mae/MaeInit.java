package org.semivim.engine.models.mae;

import org.semivim.engine.models.VitInit;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;

import java.util.Arrays;
import java.util.Map;

/**
 * Initial MAE parameters ({@code models_mae.py initialize_weights}): the encoder's exactly as
 * {@link VitInit} (so an MAE and a ViT of the same seed start with the same encoder), the decoder's
 * by the same rules (Linear weights xavier_uniform, biases 0, LayerNorm weights 1) from the streams
 * {@code CounterRng.of(seed, "vit.init." + name)}, and {@code mask_token} ~ normal(0, 0.02) (MAE's
 * {@code torch.nn.init.normal_}) from {@code CounterRng.of(seed, "mae.init.mask_token")}.
 */
public final class MaeInit {
    private MaeInit() {}

    /** The initial value of one parameter of {@code cfg}'s layout, in double. */
    public static double[] initialValue(String name, int[] shape, long seed) {
        if (!name.equals("mask_token")) return VitInit.initialValue(name, shape, seed);
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        RandomStream rng = CounterRng.of(seed, "mae.init.mask_token").cursor();
        for (int i = 0; i < n; i++) v[i] = 0.02 * rng.normal();
        return v;
    }

    /** Writes the initial values (rounded to float) into {@code params}, which must have {@code cfg}'s layout. */
    public static void initialize(MaeConfig cfg, ParameterSet params, long seed) {
        Map<String, int[]> shapes = cfg.parameterShapes();
        if (!shapes.keySet().equals(params.names())) {
            throw new IllegalArgumentException("parameter set " + params.names() + " does not match the MAE layout " + shapes.keySet());
        }
        for (Parameter p : params.parameters()) {
            if (!Arrays.equals(p.shape(), shapes.get(p.name()))) {
                throw new IllegalArgumentException("parameter " + p + " should have shape " + Arrays.toString(shapes.get(p.name())));
            }
            double[] v = initialValue(p.name(), p.shape(), seed);
            for (int i = 0; i < v.length; i++) p.value().set(i, (float) v[i]);
        }
    }
}
