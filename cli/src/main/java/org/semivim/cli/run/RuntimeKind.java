package org.semivim.cli.run;

import org.semivim.engine.ops.Ops;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.nio.file.Path;

/**
 * The runtimes a run can use ({@code --runtime}); all give the same bits. A new runtime is one more
 * constant here and a {@link TrainRuntime} implementation; the commands do not change.
 */
public enum RuntimeKind {
    /** The training module's single-process trainers: {@code ReferenceTrainer} with periodic evaluation, and {@code SsmaeTrainer} for SSMAE. */
    reference,
    /** Pekko typed actors in this JVM ({@code RunOrchestrator}), every method including SSMAE. */
    actors;

    /** {@link #open(TrainConfig, TrainingData, Path, RuntimeOptions, Ops)} on the CPU ({@link Ops#cpu()}). */
    public TrainRuntime open(TrainConfig config, TrainingData data, Path runDir, RuntimeOptions options) {
        return open(config, data, runDir, options, Ops.cpu());
    }

    /** @param ops the numerics backend of the trainers' models ({@code --device}, {@link RunDevice}) */
    public TrainRuntime open(TrainConfig config, TrainingData data, Path runDir, RuntimeOptions options, Ops ops) {
        return switch (this) {
            case reference -> config.method() == Method.SSMAE ? new SsmaeRuntime(config, data, runDir, ops) : new ReferenceRuntime(config, data, options, ops);
            case actors -> new ActorRuntime(config, data, options, ops);
        };
    }
}
