package org.semivim.cli.run;

import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.nio.file.Path;

/**
 * The runtimes a run can use ({@code --runtime}). A new runtime is one more constant here and a
 * {@link TrainRuntime} implementation; the commands do not change.
 */
public enum RuntimeKind {
    /** The training module's single-process trainers: {@code ReferenceTrainer}, and {@code SsmaeTrainer} for SSMAE. */
    reference;

    public TrainRuntime open(TrainConfig config, TrainingData data, Path runDir) {
        return switch (this) {
            case reference -> config.method() == Method.SSMAE ? new SsmaeRuntime(config, data, runDir) : new ReferenceRuntime(config, data);
        };
    }
}
