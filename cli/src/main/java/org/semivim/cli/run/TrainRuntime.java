package org.semivim.cli.run;

import org.semivim.training.loop.StepListener;

import java.io.IOException;
import java.io.PrintStream;

/**
 * A training runtime as the {@code train}, {@code resume} and {@code demo} commands use it: run a
 * run directory's config to its last step, resuming from the directory's newest good checkpoint,
 * appending every step record to {@code metrics.jsonl} (records after that checkpoint are cut off
 * first, so no step appears twice), checkpointing every {@code checkpointEvery} steps and after the
 * last step, and stopping early with a checkpoint when asked. Every runtime must give the same bits
 * (docs/training-loop.md). {@link ReferenceRuntime} runs {@code ReferenceTrainer} in the caller's
 * thread; {@link ActorRuntime} runs the actor runtime ({@code RunOrchestrator}, whose options carry a
 * run directory, a checkpoint interval and step listeners).
 */
public interface TrainRuntime extends AutoCloseable {

    /**
     * Runs the remaining steps of {@code run}.
     *
     * @param progress receives each step's record after it is committed and logged
     * @param stop     polled between steps; when it is set the runtime checkpoints and returns
     */
    Result run(RunDirectory run, long checkpointEvery, StepListener progress, StopRequest stop, PrintStream out) throws IOException;

    /** The latest evaluation during training for the progress line (" | teacher val 0.812 test 0.805"), or "". */
    default String evaluationStatus() {
        return "";
    }

    /** Whether {@link #run} honours a {@link StopRequest}; a runtime that does not is left to the JVM's default Ctrl-C. */
    default boolean stopsOnRequest() {
        return true;
    }

    /**
     * Where a run got to.
     *
     * @param startStep the step it resumed from (0 for a fresh run)
     * @param steps     steps committed (= config.steps() unless stopped)
     * @param student   [P] θS after them
     * @param teacher   [P] θT, or null for a method without a teacher
     * @param stopped   a stop request ended it early (a checkpoint of {@code steps} was written)
     */
    record Result(long startStep, long steps, float[] student, float[] teacher, boolean stopped) {}

    @Override
    void close();
}
