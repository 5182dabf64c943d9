package org.semivim.cli.run;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the {@code train}, {@code resume} and {@code demo} commands need from a training runtime:
 * run the next step, checkpoint, resume, and the current parameters for evaluation. The reference
 * runtime ({@link ReferenceRuntime}) runs {@code ReferenceTrainer} in this thread; an actor
 * runtime implements the same contract and must produce the same bits (docs/training-loop.md).
 */
public interface TrainRuntime extends AutoCloseable {

    TrainConfig config();

    /** Steps run so far (= the next step's index). */
    long nextStep();

    /** Runs and commits step {@link #nextStep()}; returns its record. */
    StepRecord runStep();

    /** Writes the state after {@link #nextStep()} steps as that step's checkpoint; returns its directory. */
    Path saveCheckpoint(CheckpointStore store) throws IOException;

    /** Restores from the newest good checkpoint of this config; empty (and nothing changed) when there is none. */
    Optional<LoadResult> resume(CheckpointStore store) throws IOException;

    /** The student with the current θS (live: do not change its parameters). */
    ImageClassifier student();

    /** A copy of θT [P], or null for a method without a teacher. */
    float[] teacherParameters();

    @Override
    void close();
}
