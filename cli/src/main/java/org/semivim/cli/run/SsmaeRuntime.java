package org.semivim.cli.run;

import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.ssmae.SsmaeCheckpoints;
import org.semivim.training.ssmae.SsmaeTrainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** SSMAE ({@link SsmaeTrainer}: a masked autoencoder with a pseudo-label memory in the run directory) as a {@link TrainRuntime}. */
final class SsmaeRuntime extends SteppedRuntime {
    private final SsmaeTrainer trainer;

    SsmaeRuntime(TrainConfig config, TrainingData data, Path runDir, Ops ops) {
        this.trainer = new SsmaeTrainer(config, data, runDir, ops);
    }

    @Override long steps() { return trainer.config().steps(); }

    @Override long nextStep() { return trainer.nextStep(); }

    @Override StepRecord runStep() { return trainer.runStep(); }

    @Override void save(CheckpointStore store) throws IOException { SsmaeCheckpoints.save(store, trainer); }

    @Override Optional<LoadResult> resume(CheckpointStore store) throws IOException { return SsmaeCheckpoints.resume(store, trainer); }

    @Override float[] student() { return trainer.parameters(); }

    @Override float[] teacher() { return null; }

    /** Closes the pseudo-label memory. */
    @Override
    public void close() {
        trainer.close();
    }
}
