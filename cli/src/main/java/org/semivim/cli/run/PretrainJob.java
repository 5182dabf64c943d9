package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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
                case arm -> new ArmJob.ArmConfig(org.semivim.training.config.ArmPretrainConfig.fromMap(map));
                case mae -> new MaeJob.MaeConfig(org.semivim.training.config.MaePretrainConfig.fromMap(map));
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

    long nextStep();

    /** Runs and commits the next step. */
    Step runStep();

    void save(CheckpointStore store) throws IOException;

    Optional<LoadResult> resume(CheckpointStore store) throws IOException;

    /** Writes the encoder weights (the input of the transfer / init_from). */
    void writeEncoder(Path file) throws IOException;
}
