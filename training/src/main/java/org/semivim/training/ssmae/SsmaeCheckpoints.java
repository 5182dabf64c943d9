package org.semivim.training.ssmae;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An SSMAE run's {@link TrainState} in a {@link CheckpointStore}: θ and the AdamW moments as tensors
 * (groups student / adamw_m / adamw_v), the gate and the whole pseudo-label memory in the JSON state.
 */
public final class SsmaeCheckpoints {
    private SsmaeCheckpoints() {}

    public static Path save(CheckpointStore store, SsmaeTrainer trainer) throws IOException {
        TrainState state = trainer.state();
        return store.write(state.step(), state.toTensors(trainer.model().parameters()), state.toStateMap(), state.configHash());
    }

    /** Restores from the newest good checkpoint of the run's config; empty (trainer untouched) when there is none. */
    public static Optional<LoadResult> resume(CheckpointStore store, SsmaeTrainer trainer) throws IOException {
        Optional<LoadResult> latest = store.latest(trainer.config().hash());
        if (latest.isPresent()) trainer.restore(TrainCheckpoints.stateOf(latest.get().checkpoint(), trainer.model().parameters()));
        return latest;
    }
}
