package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.checkpoint.Refusal;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/**
 * A {@link TrainRuntime} over a trainer that runs one step at a time in the caller's thread: resume,
 * the step loop with the metrics log, periodic and final checkpoints, and the stop request.
 * Subclasses wrap a trainer (ReferenceTrainer, SsmaeTrainer).
 */
abstract class SteppedRuntime implements TrainRuntime {

    abstract long steps();

    abstract long nextStep();

    abstract StepRecord runStep();

    abstract void save(CheckpointStore store) throws IOException;

    abstract Optional<LoadResult> resume(CheckpointStore store) throws IOException;

    /** [P] θS in the checkpoint layout. */
    abstract float[] student();

    /** [P] θT, or null. */
    abstract float[] teacher();

    /** Called once before the resume (a subclass adds its listeners). */
    void beforeRun(RunDirectory run) throws IOException {}

    /** Called after the resume with the step it resumed at (a subclass opens its own logs). */
    void afterResume(RunDirectory run, long start) throws IOException {}

    /** Forces the subclass's own logs to disk before a checkpoint. */
    void syncLogs() throws IOException {}

    /** Called when the run loop ends, normally or not. */
    void afterRun() throws IOException {}

    @Override
    public final Result run(RunDirectory run, long checkpointEvery, StepListener progress, StopRequest stop, PrintStream out) throws IOException {
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpoint interval must be at least 1 step, got " + checkpointEvery);
        CheckpointStore store = run.checkpoints();
        beforeRun(run);
        Optional<LoadResult> resumed = resume(store);
        long start = nextStep();
        if (resumed.isPresent()) {
            for (Refusal r : resumed.get().refusals()) out.println("semivim: skipped a bad checkpoint: " + r);
            out.println("resuming from the checkpoint of step " + start + " (" + resumed.get().checkpoint().directory() + ")");
        }
        long lastCheckpoint = resumed.isPresent() ? start : -1;
        // The checkpoint of step s holds steps 0..s-1: later records are written again by this run.
        try (MetricsLog log = MetricsLog.resume(run.metricsFile(), start - 1)) {
            afterResume(run, start);
            MetricsLogListener metrics = new MetricsLogListener(log);
            while (nextStep() < steps() && !stop.requested()) {
                StepRecord record = runStep();
                metrics.onStep(record);
                progress.onStep(record);
                long done = nextStep();
                if (done % checkpointEvery == 0 && done < steps()) {
                    log.sync();   // the checkpoint of step s is written after every record of the steps before it
                    syncLogs();
                    save(store);
                    lastCheckpoint = done;
                }
            }
            if (nextStep() != lastCheckpoint) {
                log.sync();
                syncLogs();
                save(store);
            }
        } finally {
            afterRun();
        }
        return new Result(start, nextStep(), student(), teacher(), nextStep() < steps());
    }
}
