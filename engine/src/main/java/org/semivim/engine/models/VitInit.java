package org.semivim.engine.models;

import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Initial ViT parameters as MAE's {@code initialize_weights} (models_mae.py) with timm's token
 * init: cls_token and a learned pos_embed ~ trunc_normal(std 0.02, absolute bounds ±2, timm
 * 0.4.12); every Linear weight (qkv, proj, fc1, fc2, head) xavier_uniform U(±√(6/(fan_in+fan_out)));
 * patch_embed.proj.weight xavier_uniform on its flattened [D, C·p·p] view; all biases 0; LayerNorm
 * weight 1. One deviation, by choice: MAE leaves patch_embed.proj.bias at torch's Conv2d default
 * U(±1/√(C·p²)); here it is 0 like every other bias.
 *
 * <p>Each parameter draws from its own stream {@code CounterRng.of(seed, "vit.init." + name)}, so
 * a value depends only on (seed, name, index), never on the order of initialisation.
 */
public final class VitInit {
    private VitInit() {}

    /** Initial values of every parameter of {@code cfg}, in state-dict order, in double. */
    public static Map<String, double[]> initialValues(VitConfig cfg, long seed) {
        Map<String, double[]> values = new LinkedHashMap<>();
        for (var e : cfg.parameterShapes().entrySet()) values.put(e.getKey(), initialValue(e.getKey(), e.getValue(), seed));
        return values;
    }

    /** Writes the initial values (rounded to float) into {@code params}, which must have {@code cfg}'s layout. */
    public static void initialize(VitConfig cfg, ParameterSet params, long seed) {
        Map<String, int[]> shapes = cfg.parameterShapes();
        if (!shapes.keySet().equals(params.names())) {
            throw new IllegalArgumentException("parameter set " + params.names() + " does not match the ViT layout " + shapes.keySet());
        }
        for (Parameter p : params.parameters()) {
            if (!Arrays.equals(p.shape(), shapes.get(p.name()))) {
                throw new IllegalArgumentException("parameter " + p + " should have shape " + Arrays.toString(shapes.get(p.name())));
            }
            double[] v = initialValue(p.name(), p.shape(), seed);
            for (int i = 0; i < v.length; i++) p.value().set(i, (float) v[i]);
        }
    }

    /** The initial value of one parameter, by the rule its name selects. */
    public static double[] initialValue(String name, int[] shape, long seed) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        RandomStream rng = CounterRng.of(seed, "vit.init." + name).cursor();
        if (name.equals("cls_token") || name.equals("pos_embed")) {
            for (int i = 0; i < n; i++) v[i] = rng.truncatedNormal(0.02, -2.0, 2.0);
        } else if (name.endsWith(".bias")) {
            // zeros
        } else if (shape.length == 1) {
            Arrays.fill(v, 1.0); // a LayerNorm weight
        } else {
            int fanOut = shape[0], fanIn = n / fanOut; // [out, in] or the conv kernel seen as [D, C·p·p]
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < n; i++) v[i] = rng.uniform(-bound, bound);
        }
        return v;
    }
}
