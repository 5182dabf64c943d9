package org.semivim.training.ssmae;

import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An SSMAE run's checkpoint WITH its evaluator (what {@code TrainingRun} writes): the trainer's
 * {@link TrainState} as {@link SsmaeCheckpoints} stores it (θ of the whole MAE and the AdamW moments as
 * tensors, gate and memory in the JSON state) plus, as {@link TrainCheckpoints#save(CheckpointStore,
 * org.semivim.training.loop.ReferenceTrainer, PeriodicEvaluator)} does for the reference trainer, the
 * evaluator's best classifier parameters as the tensor group {@code best/} and its state under the JSON
 * key {@code "evaluation"}. Uses only {@link SsmaeTrainer}'s public state API.
 */
public final class SsmaeRunCheckpoints {
    private SsmaeRunCheckpoints() {}

    /** Writes the trainer's state and the evaluator's best point as the checkpoint of the trainer's step (call it after the step's evaluation). */
    public static Path save(CheckpointStore store, SsmaeTrainer trainer, PeriodicEvaluator evaluator) throws IOException {
        TrainState state = trainer.state();
        Map<String, Tensor> tensors = new LinkedHashMap<>(state.toTensors(trainer.model().parameters()));
        tensors.putAll(evaluator.tensors());
        Map<String, Object> json = new LinkedHashMap<>(state.toStateMap());
        json.put(TrainCheckpoints.EVALUATION_KEY, evaluator.state());
        return store.write(state.step(), tensors, json, state.configHash());
    }

    /**
     * Restores the trainer (memory and gate included) and the evaluator from the newest good checkpoint of
     * the run's config; empty, both untouched, when there is none.
     */
    public static Optional<LoadResult> resume(CheckpointStore store, SsmaeTrainer trainer, PeriodicEvaluator evaluator) throws IOException {
        Optional<LoadResult> latest = store.latest(trainer.config().hash());
        if (latest.isPresent()) {
            trainer.restore(TrainCheckpoints.stateOf(latest.get().checkpoint(), trainer.model().parameters()));
            TrainCheckpoints.restoreEvaluation(latest.get().checkpoint(), evaluator);
        }
        return latest;
    }
}
