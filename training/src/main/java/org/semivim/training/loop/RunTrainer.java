package org.semivim.training.loop;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.ssmae.SsmaeEvaluationSource;
import org.semivim.training.ssmae.SsmaeRunCheckpoints;
import org.semivim.training.ssmae.SsmaeRunSummary;
import org.semivim.training.ssmae.SsmaeTrainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The trainer a {@link TrainingRun} drives, whatever its shape: the {@link ReferenceTrainer} (every method
 * but SSMAE) or the {@link SsmaeTrainer}. It gives the evaluator its {@link PeriodicEvaluator.Source}, runs
 * steps, checkpoints itself WITH the evaluator's state and reports its method state for result.json.
 */
interface RunTrainer extends AutoCloseable {
    /** Sub-directory of the run directory that holds SSMAE's work files (the Chronicle memory, rebuilt from the checkpoint on resume). */
    String SSMAE_WORK = "ssmae";

    /** The trainer for {@code config}'s method; SSMAE's work files go under {@code runDir}/{@value #SSMAE_WORK}. */
    static RunTrainer open(TrainConfig config, TrainingData data, Path runDir) {
        return config.method() == Method.SSMAE ? new Ssmae(new SsmaeTrainer(config, data, runDir.resolve(SSMAE_WORK)), data)
                : new Reference(new ReferenceTrainer(config, data));
    }

    PeriodicEvaluator.Source source();

    /** How this trainer's steps are driven: the wrapped trainer's own listener, step and cursor methods. */
    Steps steps();

    default void addListener(StepListener listener) {
        steps().addListener().accept(listener);
    }

    default void runStep() {
        steps().runStep().run();
    }

    default long nextStep() {
        return steps().nextStep().getAsLong();
    }

    /** Writes the train state and the evaluator's best point as the checkpoint of {@link #nextStep()}. */
    void save(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException;

    /** Restores the trainer and the evaluator from the newest good checkpoint; empty when there is none. */
    Optional<LoadResult> resume(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException;

    /** The method state result.json reports (LyapEMA's s, λ, γ, violations; SSMAE's {@link SsmaeRunSummary}; empty otherwise). */
    Map<String, Object> methodState();

    @Override
    void close();

    /** The three step-driving methods of a wrapped trainer, so each adapter below names them once. */
    record Steps(Consumer<StepListener> addListener, Runnable runStep, LongSupplier nextStep) {}

    /** Supervised, FixMatch, EMA-Teacher and the LyapEMA family. */
    record Reference(ReferenceTrainer trainer) implements RunTrainer {
        @Override
        public PeriodicEvaluator.Source source() {
            return PeriodicEvaluator.Source.of(trainer);
        }

        @Override
        public Steps steps() {
            return new Steps(trainer::addListener, trainer::runStep, trainer::nextStep);
        }

        @Override
        public void save(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException {
            TrainCheckpoints.save(store, trainer, evaluator);
        }

        @Override
        public Optional<LoadResult> resume(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException {
            return TrainCheckpoints.resume(store, trainer, evaluator);
        }

        @Override
        public Map<String, Object> methodState() {
            return trainer.state().methodState();
        }

        @Override
        public void close() {}
    }

    /** SSMAE: the evaluator sees the classifier (ViT encoder + head), the checkpoint holds the memory and the gate. */
    record Ssmae(SsmaeTrainer trainer, TrainingData data) implements RunTrainer {
        @Override
        public PeriodicEvaluator.Source source() {
            return new SsmaeEvaluationSource(trainer);
        }

        @Override
        public Steps steps() {
            return new Steps(trainer::addListener, trainer::runStep, trainer::nextStep);
        }

        @Override
        public void save(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException {
            SsmaeRunCheckpoints.save(store, trainer, evaluator);
        }

        @Override
        public Optional<LoadResult> resume(CheckpointStore store, PeriodicEvaluator evaluator) throws IOException {
            return SsmaeRunCheckpoints.resume(store, trainer, evaluator);
        }

        @Override
        public Map<String, Object> methodState() {
            return SsmaeRunSummary.of(trainer, data.train());
        }

        @Override
        public void close() {
            trainer.close();
        }
    }
}
