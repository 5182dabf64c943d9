package org.semivim.cli.run;

import org.semivim.training.arm.ArmPretrainer;
import org.semivim.training.arm.ArmStepRecord;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.ArmPretrainConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** ARM pre-training ({@link ArmPretrainer}) as a {@link PretrainJob}. */
final class ArmJob implements PretrainJob {
    private final ArmPretrainer trainer;

    static PretrainJob.Config config(ArmPretrainConfig config) {
        return new KindConfig(Kind.arm, config.steps(), config.batch(), config.canonicalMap(), config.data(),
                (data, ops) -> new ArmJob(new ArmPretrainer(config, data, ops)));
    }

    private ArmJob(ArmPretrainer trainer) {
        this.trainer = trainer;
    }

    @Override
    public long nextStep() {
        return trainer.nextStep();
    }

    @Override
    public Step runStep() {
        ArmStepRecord r = trainer.runStep();
        return PretrainJob.step(r.step(), r.fields(), r.loss(), r.lr(), r.skipped());
    }

    @Override
    public void save(CheckpointStore store) throws IOException {
        trainer.save(store);
    }

    @Override
    public Optional<LoadResult> resume(CheckpointStore store) throws IOException {
        return trainer.resume(store);
    }

    @Override
    public void writeEncoder(Path file) throws IOException {
        trainer.writeEncoder(file);
    }
}
