package org.semivim.cli.run;

import org.semivim.engine.ops.Ops;
import org.semivim.training.arm.ArmPretrainer;
import org.semivim.training.arm.ArmStepRecord;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.config.DataConfig;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** ARM pre-training ({@link ArmPretrainer}) as a {@link PretrainJob}. */
final class ArmJob implements PretrainJob {
    private final ArmPretrainer trainer;

    record ArmConfig(ArmPretrainConfig config) implements PretrainJob.Config {
        @Override public Kind kind() { return Kind.arm; }
        @Override public long steps() { return config.steps(); }
        @Override public int batch() { return config.batch(); }
        @Override public Map<String, Object> canonicalMap() { return config.canonicalMap(); }
        @Override public DataConfig data() { return config.data(); }
        @Override public PretrainJob open(TrainingData data, Ops ops) { return new ArmJob(new ArmPretrainer(config, data, ops)); }
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
        return new Step(r.step(), r.fields(), String.format(Locale.ROOT, "loss %.4f lr %.2e", r.loss(), r.lr()) + (r.skipped() ? " SKIPPED" : ""));
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
