package org.semivim.actors;

import org.semivim.training.loop.PeriodicEvaluator;

/**
 * Periodic evaluation on the actor runtime (in-JVM options, not part of the config): the loop's
 * {@link PeriodicEvaluator} every {@code eval_every} committed steps and after the last, with a run
 * directory only ({@code eval.jsonl}, {@code best.safetensors}, its state in the checkpoints).
 *
 * @param batch        images per evaluation forward pass
 * @param testSchedule when the test set is evaluated
 * @param listener     receives each evaluation record in this JVM (a progress line), or null
 */
public record PeriodicEvaluation(int batch, PeriodicEvaluator.TestSchedule testSchedule, PeriodicEvaluator.Listener listener) {
    public PeriodicEvaluation {
        if (batch < 1) throw new IllegalArgumentException("evaluation batch must be >= 1, got " + batch);
        if (testSchedule == null) throw new IllegalArgumentException("test schedule must not be null");
    }
}
