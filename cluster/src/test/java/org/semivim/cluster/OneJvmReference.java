package org.semivim.cluster;

import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one-JVM run that a cluster run in the tests must match bit for bit: a {@link TinyRuns} config, its
 * training data and the result of {@link RunOrchestrator#run} on them, with the assertions every cluster
 * run test makes against it.
 */
record OneJvmReference(TrainConfig config, TrainingData data, RunResult run) {

    /** The one-JVM run of the TinyRuns {@code lyapema} config with {@code steps} steps and default options. */
    static OneJvmReference lyapema(int steps) {
        return of(TinyRuns.config("lyapema", steps), RunOptions.defaults());
    }

    /** The one-JVM run of {@code config} with {@code options} (e.g. the number of trainers). */
    static OneJvmReference of(TrainConfig config, RunOptions options) {
        TrainingData data = TrainingData.load(config.data());
        return new OneJvmReference(config, data, RunOrchestrator.run(config, data, options));
    }

    /** What the supervisor node's guardian needs to run this config with {@code options}, completing {@code result}. */
    NodeRoles.RunSpec runSpec(RunOptions options, CompletableFuture<RunResult> result) {
        return new NodeRoles.RunSpec(config, data, options, result);
    }

    /** The index of the run's last step. */
    long lastStep() {
        return config.steps() - 1;
    }

    /**
     * {@code actual} ran every step and its student and teacher are bit-identical to this one-JVM run's;
     * {@code context} (may be empty) says in the messages what happened in the run.
     */
    void assertSameParameters(RunResult actual, String context) {
        String suffix = context.isEmpty() ? "" : " " + context;
        assertEquals(config.steps(), actual.steps(), "steps run" + suffix);
        assertArrayEquals(run.student(), actual.student(), "student bit-identical to the one-JVM run" + suffix);
        assertArrayEquals(run.teacher(), actual.teacher(), "teacher bit-identical to the one-JVM run" + suffix);
    }

    /** {@link #assertSameParameters} and every step committed once, in order ({@code committed} from a {@link CommittedSteps}). */
    void assertSameRun(RunResult actual, CommittedSteps committed, String context) {
        assertSameParameters(actual, context);
        assertEquals(LongStream.range(0, config.steps()).boxed().toList(), committed.steps(),
                "every step committed once, in order" + (context.isEmpty() ? "" : " " + context));
    }

    /** The steps a run commits, in the order its step listener hears them. */
    static final class CommittedSteps {
        private final List<Long> steps = new CopyOnWriteArrayList<>();

        /** Default run options whose step listener records each committed step. */
        RunOptions options() {
            return RunOptions.defaults().withListener(r -> record(r.step()));
        }

        /** Records a committed step (for a test that needs its own listener). */
        void record(long step) {
            steps.add(step);
        }

        List<Long> steps() {
            return List.copyOf(steps);
        }
    }
}
