package org.semivim.cli.run;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The single-process {@link ReferenceTrainer} as a {@link TrainRuntime}. */
public final class ReferenceRuntime implements TrainRuntime {
    private final ReferenceTrainer trainer;

    public ReferenceRuntime(TrainConfig config, TrainingData data) {
        this.trainer = new ReferenceTrainer(config, data);
    }

    @Override
    public TrainConfig config() {
        return trainer.config();
    }

    @Override
    public long nextStep() {
        return trainer.nextStep();
    }

    @Override
    public StepRecord runStep() {
        return trainer.runStep().record();
    }

    @Override
    public Path saveCheckpoint(CheckpointStore store) throws IOException {
        return TrainCheckpoints.save(store, trainer);
    }

    @Override
    public Optional<LoadResult> resume(CheckpointStore store) throws IOException {
        return TrainCheckpoints.resume(store, trainer);
    }

    @Override
    public ImageClassifier student() {
        return trainer.student();
    }

    @Override
    public float[] teacherParameters() {
        return trainer.teacherParameters();
    }

    @Override
    public void close() {
        // nothing to release: the trainer runs in the caller's thread
    }
}
