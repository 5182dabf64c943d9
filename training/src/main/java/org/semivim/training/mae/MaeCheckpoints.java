package org.semivim.training.mae;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** An MAE pre-training's {@link TrainState} in a {@link CheckpointStore} (groups student / adamw_m / adamw_v), and its JSONL log. */
public final class MaeCheckpoints {
    private MaeCheckpoints() {}

    public static Path save(CheckpointStore store, MaePretrainer trainer) throws IOException {
        TrainState state = trainer.state();
        return store.write(state.step(), state.toTensors(trainer.model().parameters()), state.toStateMap(), state.configHash());
    }

    /** Restores from the newest good checkpoint of the run's config; empty (trainer untouched) when there is none. */
    public static Optional<LoadResult> resume(CheckpointStore store, MaePretrainer trainer) throws IOException {
        Optional<LoadResult> latest = store.latest(trainer.config().hash());
        if (latest.isPresent()) trainer.restore(TrainCheckpoints.stateOf(latest.get().checkpoint(), trainer.model().parameters()));
        return latest;
    }

    /** Appends every step record to {@code log} (fields: epoch, lr, loss, grad_norm, skipped). */
    public static void logTo(MaePretrainer trainer, MetricsLog log) {
        trainer.addListener(r -> {
            try {
                log.append(r.step(), r.fields());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + log.file() + ": " + e.getMessage(), e);
            }
        });
    }
}
