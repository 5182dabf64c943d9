package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.checkpoint.Refusal;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/** The single-process {@link ReferenceTrainer} as a {@link TrainRuntime}: every phase in the caller's thread, step by step. */
public final class ReferenceRuntime implements TrainRuntime {
    private final ReferenceTrainer trainer;

    public ReferenceRuntime(TrainConfig config, TrainingData data) {
        this.trainer = new ReferenceTrainer(config, data);
    }

    @Override
    public Result run(RunDirectory run, long checkpointEvery, StepListener progress, StopRequest stop, PrintStream out) throws IOException {
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpoint interval must be at least 1 step, got " + checkpointEvery);
        TrainConfig config = trainer.config();
        CheckpointStore store = run.checkpoints();
        Optional<LoadResult> resumed = TrainCheckpoints.resume(store, trainer);
        long start = trainer.nextStep();
        if (resumed.isPresent()) {
            for (Refusal r : resumed.get().refusals()) out.println("semivim: skipped a bad checkpoint: " + r);
            out.println("resuming from the checkpoint of step " + start + " (" + resumed.get().checkpoint().directory() + ")");
        }
        long lastCheckpoint = resumed.isPresent() ? start : -1;
        // The checkpoint of step s holds steps 0..s-1: later records are written again by this run.
        try (MetricsLog log = MetricsLog.resume(run.metricsFile(), start - 1)) {
            MetricsLogListener metrics = new MetricsLogListener(log);
            while (trainer.nextStep() < config.steps() && !stop.requested()) {
                StepRecord record = trainer.runStep().record();
                metrics.onStep(record);
                progress.onStep(record);
                long done = trainer.nextStep();
                if (done % checkpointEvery == 0 && done < config.steps()) {
                    checkpoint(store, log);
                    lastCheckpoint = done;
                }
            }
            if (trainer.nextStep() != lastCheckpoint) checkpoint(store, log);
        }
        return new Result(start, trainer.nextStep(), trainer.studentParameters(), trainer.teacherParameters(), stop.requested());
    }

    private void checkpoint(CheckpointStore store, MetricsLog log) throws IOException {
        log.sync();   // the checkpoint of step s is written after every record of the steps before it
        TrainCheckpoints.save(store, trainer);
    }

    @Override
    public void close() {
        // nothing to release: the trainer runs in the caller's thread
    }
}
