package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A reference trainer's {@link TrainState} in a {@link CheckpointStore}: tensors in the groups
 * student / teacher / adamw_m / adamw_v, the rest as the checkpoint's JSON state, under the run's
 * config hash. The store verifies format, checksums and hash and falls back to an older good
 * checkpoint; this class adds the train state's own checks (layout, cursors, the checkpoint step).
 */
public final class TrainCheckpoints {
    /** JSON key of the evaluator's state in a checkpoint. */
    public static final String EVALUATION_KEY = "evaluation";
    private TrainCheckpoints() {}

    /** Writes the trainer's state as the checkpoint of its current step. */
    public static Path save(CheckpointStore store, ReferenceTrainer trainer) throws IOException {
        TrainState state = trainer.state();
        return store.write(state.step(), state.toTensors(trainer.student().parameters()), state.toStateMap(), state.configHash());
    }

    /**
     * Writes the trainer's state and the evaluator's best point (its parameters as the tensor group
     * {@code best/}, its step and evaluations under the JSON key {@code "evaluation"}). Call it after
     * the step's evaluation, so the checkpoint of step s holds the best including the evaluation at s.
     */
    public static Path save(CheckpointStore store, ReferenceTrainer trainer, PeriodicEvaluator evaluator) throws IOException {
        TrainState state = trainer.state();
        Map<String, Tensor> tensors = new LinkedHashMap<>(state.toTensors(trainer.student().parameters()));
        tensors.putAll(evaluator.tensors());
        Map<String, Object> json = new LinkedHashMap<>(state.toStateMap());
        json.put(EVALUATION_KEY, evaluator.state());
        return store.write(state.step(), tensors, json, state.configHash());
    }

    /**
     * Restores the trainer and the evaluator from the newest good checkpoint; a checkpoint written
     * without an evaluator leaves the evaluator with no best point. Empty when the run has none.
     */
    public static Optional<LoadResult> resume(CheckpointStore store, ReferenceTrainer trainer, PeriodicEvaluator evaluator) throws IOException {
        Optional<LoadResult> latest = resume(store, trainer);
        if (latest.isPresent()) restoreEvaluation(latest.get().checkpoint(), evaluator);
        return latest;
    }

    /**
     * Restores {@code evaluator} from a checkpoint's {@code best/} tensors and {@code "evaluation"} state
     * (written by a {@code save} with an evaluator); a checkpoint without them leaves it with no best point.
     */
    public static void restoreEvaluation(Checkpoint c, PeriodicEvaluator evaluator) {
        Map<String, Tensor> best = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> {
            if (name.startsWith(PeriodicEvaluator.BEST_GROUP)) best.put(name, t);
        });
        JsonNode saved = c.state().get(EVALUATION_KEY);
        if (saved != null) evaluator.restore(saved, best);
        else if (!best.isEmpty()) throw new IllegalArgumentException("checkpoint " + c.directory() + " has best parameters but no evaluation state");
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
        Map<String, Tensor> trainTensors = new LinkedHashMap<>();   // without the evaluator's best/ group
        checkpoint.tensors().forEach((name, t) -> {
            if (!name.startsWith(PeriodicEvaluator.BEST_GROUP)) trainTensors.put(name, t);
        });
        TrainState state = TrainState.fromParts(trainTensors, checkpoint.state(), layout);
        if (state.step() != checkpoint.step() || !state.configHash().equals(checkpoint.configHash())) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.directory() + " is for step " + checkpoint.step() + " and config "
                    + checkpoint.configHash() + ", but its train state says step " + state.step() + " and config " + state.configHash());
        }
        return state;
    }
}
