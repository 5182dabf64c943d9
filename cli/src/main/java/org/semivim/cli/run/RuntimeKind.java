package org.semivim.cli.run;

import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

/**
 * The runtimes a run can use ({@code --runtime}). A new runtime is one more constant here and a
 * {@link TrainRuntime} implementation; the commands do not change.
 */
public enum RuntimeKind {
    /** {@code ReferenceTrainer}: every phase in this thread, in order. */
    reference;

    public TrainRuntime open(TrainConfig config, TrainingData data) {
        return switch (this) {
            case reference -> new ReferenceRuntime(config, data);
        };
    }
}
