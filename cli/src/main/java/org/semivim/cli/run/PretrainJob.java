package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * One self-supervised pre-training (ARM or MAE) as {@link PretrainRun} drives it: steps, checkpoints,
 * resume and the encoder file. Each kind wraps its training-module trainer.
 */
public interface PretrainJob {

    /** What a step reports: the metrics-log fields (without "step") and a short progress status. */
    record Step(long step, Map<String, Object> fields, String status) {}

    /** The kinds of pre-training and their strict config readers. */
    enum Kind {
        arm, mae;

        /** Validates a config map (HOCON unwrapped or pretrain.json) of this kind. */
        public Config read(Map<String, Object> map) {
            return switch (this) {
                case arm -> ArmJob.config(org.semivim.training.config.ArmPretrainConfig.fromMap(map));
                case mae -> MaeJob.config(org.semivim.training.config.MaePretrainConfig.fromMap(map));
            };
        }
    }

    /** A validated pre-training config of some kind. */
    interface Config {
        Kind kind();

        long steps();

        /** Images per step (for the images/s rate). */
        int batch();

        Map<String, Object> canonicalMap();

        org.semivim.training.config.DataConfig data();

        /** The job with its models on {@code ops} ({@code --device}). */
        PretrainJob open(TrainingData data, org.semivim.engine.ops.Ops ops);
    }

    /** A {@link Config} from a kind's validated config values and how that kind opens its job. */
    record KindConfig(Kind kind, long steps, int batch, Map<String, Object> canonicalMap, org.semivim.training.config.DataConfig data,
                      BiFunction<TrainingData, org.semivim.engine.ops.Ops, PretrainJob> opener) implements Config {
        @Override
        public PretrainJob open(TrainingData data, org.semivim.engine.ops.Ops ops) {
            return opener.apply(data, ops);
        }
    }

    /** The {@link Step} of a pre-training step with its loss, learning rate and whether the update was skipped. */
    static Step step(long step, Map<String, Object> fields, double loss, double lr, boolean skipped) {
        return new Step(step, fields, String.format(Locale.ROOT, "loss %.4f lr %.2e", loss, lr) + (skipped ? " SKIPPED" : ""));
    }

    long nextStep();

    /** Runs and commits the next step. */
    Step runStep();

    void save(CheckpointStore store) throws IOException;

    Optional<LoadResult> resume(CheckpointStore store) throws IOException;

    /** Writes the encoder weights (the input of the transfer / init_from). */
    void writeEncoder(Path file) throws IOException;
}
