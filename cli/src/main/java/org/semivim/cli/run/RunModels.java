package org.semivim.cli.run;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;

/** The classifier whose parameters a run's checkpoints hold ("student/…"), for evaluation. */
public final class RunModels {
    private RunModels() {}

    /**
     * A fresh model with the checkpoint layout of {@code config}: the configured model, or for SSMAE
     * the masked autoencoder (ViT encoder + decoder), which classifies through its encoder.
     */
    public static ImageClassifier create(TrainConfig config) {
        return create(config, Ops.cpu());
    }

    /** {@link #create(TrainConfig)} on the given ops ({@code --device}). */
    public static ImageClassifier create(TrainConfig config, Ops ops) {
        if (config.method() == Method.SSMAE) {
            return new MaskedAutoencoder(config.ssmae().mae().maeConfig(((ModelSpec.Vit) config.model()).config()), ops, config.seed());
        }
        return config.model().create(ops, config.seed());
    }

    /** {@link #create} with {@code values} [P] loaded. */
    public static ImageClassifier withValues(TrainConfig config, float[] values) {
        return withValues(config, values, Ops.cpu());
    }

    /** {@link #withValues(TrainConfig, float[])} on the given ops. */
    public static ImageClassifier withValues(TrainConfig config, float[] values, Ops ops) {
        ImageClassifier model = create(config, ops);
        float[] target = model.parameters().flatValues().data;
        if (values.length != target.length) {
            throw new IllegalArgumentException("parameters: " + values.length + " values for a model of " + target.length);
        }
        System.arraycopy(values, 0, target, 0, target.length);
        return model;
    }
}
