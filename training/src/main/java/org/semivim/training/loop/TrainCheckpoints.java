package org.semivim.training.loop;

import org.semivim.engine.param.ParameterSet;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A reference trainer's {@link TrainState} in a {@link CheckpointStore}: tensors in the groups
 * student / teacher / adamw_m / adamw_v, the rest as the checkpoint's JSON state, under the run's
 * config hash. The store verifies format, checksums and hash and falls back to an older good
 * checkpoint; this class adds the train state's own checks (layout, cursors, the checkpoint step).
 */
public final class TrainCheckpoints {
    private TrainCheckpoints() {}

    /** Writes the trainer's state as the checkpoint of its current step. */
    public static Path save(CheckpointStore store, ReferenceTrainer trainer) throws IOException {
        TrainState state = trainer.state();
        return store.write(state.step(), state.toTensors(trainer.student().parameters()), state.toStateMap(), state.configHash());
    }

    /**
     * Restores the trainer from the newest good checkpoint of its config; empty (and the trainer
     * untouched) when the run has none.
     */
    public static Optional<LoadResult> resume(CheckpointStore store, ReferenceTrainer trainer) throws IOException {
        Optional<LoadResult> latest = store.latest(trainer.config().hash());
        if (latest.isPresent()) trainer.restore(stateOf(latest.get().checkpoint(), trainer.student().parameters()));
        return latest;
    }

    /** The train state a checkpoint holds, checked against the model's layout and the checkpoint's step. */
    public static TrainState stateOf(Checkpoint checkpoint, ParameterSet layout) {
        TrainState state = TrainState.fromParts(checkpoint.tensors(), checkpoint.state(), layout);
        if (state.step() != checkpoint.step() || !state.configHash().equals(checkpoint.configHash())) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.directory() + " is for step " + checkpoint.step() + " and config "
                    + checkpoint.configHash() + ", but its train state says step " + state.step() + " and config " + state.configHash());
        }
        return state;
    }
}
