package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.util.Optional;

/** The single-process {@link ReferenceTrainer} as a {@link TrainRuntime}: every phase in the caller's thread, step by step. */
final class ReferenceRuntime extends SteppedRuntime {
    private final ReferenceTrainer trainer;

    ReferenceRuntime(TrainConfig config, TrainingData data) {
        this.trainer = new ReferenceTrainer(config, data);
    }

    @Override long steps() { return trainer.config().steps(); }

    @Override long nextStep() { return trainer.nextStep(); }

    @Override StepRecord runStep() { return trainer.runStep().record(); }

    @Override void save(CheckpointStore store) throws IOException { TrainCheckpoints.save(store, trainer); }

    @Override Optional<LoadResult> resume(CheckpointStore store) throws IOException { return TrainCheckpoints.resume(store, trainer); }

    @Override float[] student() { return trainer.studentParameters(); }

    @Override float[] teacher() { return trainer.teacherParameters(); }

    @Override
    public void close() {
        // nothing to release: the trainer runs in the caller's thread
    }
}
