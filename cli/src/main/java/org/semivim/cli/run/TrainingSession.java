package org.semivim.cli.run;

import org.semivim.cli.progress.Progress;
import org.semivim.cli.report.ReportWriter;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.checkpoint.Refusal;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Drives one run to its end in a {@link RunDirectory}: resume from the newest good checkpoint,
 * run the remaining steps with a progress display, append every step record to metrics.jsonl,
 * checkpoint every {@code checkpointEvery} steps and at the end, then evaluate on the test set
 * and write the report. A {@link StopRequest} (Ctrl-C) ends it after the current step with a
 * checkpoint; {@code resume} continues from there and ends in the same bits as an uninterrupted run.
 */
public final class TrainingSession {

    /**
     * @param checkpointEvery  steps between checkpoints (≥ 1)
     * @param evalLimitPerClass test images per class for the final evaluation, 0 = all
     * @param evalBatch        images per evaluation forward pass
     * @param report           write report/ at the end
     */
    public record Options(long checkpointEvery, int evalLimitPerClass, int evalBatch, boolean report, Progress.Mode progress) {
        public Options {
            if (checkpointEvery < 1) throw new IllegalArgumentException("--checkpoint-every must be at least 1, got " + checkpointEvery);
            if (evalBatch < 1) throw new IllegalArgumentException("--eval-batch must be at least 1, got " + evalBatch);
            if (evalLimitPerClass < 0) throw new IllegalArgumentException("--eval-limit must be >= 0, got " + evalLimitPerClass);
        }
    }

    /** How a session ended. */
    public enum Outcome { FINISHED, STOPPED }

    private TrainingSession() {}

    /** Runs (or continues) the run; returns FINISHED after the last step, evaluation and report, or STOPPED on a stop request. */
    public static Outcome run(RunDirectory run, TrainRuntime runtime, TrainingData data, Options options, StopRequest stop, PrintStream out)
            throws IOException {
        TrainConfig config = runtime.config();
        CheckpointStore store = run.checkpoints();
        Optional<LoadResult> resumed = runtime.resume(store);
        long start = runtime.nextStep();
        if (resumed.isPresent()) {
            for (Refusal r : resumed.get().refusals()) out.println("semivim: skipped a bad checkpoint: " + r);
            out.println("resuming " + run.dir() + " from the checkpoint of step " + start + " (" + resumed.get().checkpoint().directory() + ")");
        }
        long lastCheckpoint = resumed.isPresent() ? start : -1;
        long imagesPerStep = (long) config.labeledBatch() + config.unlabeledBatch();
        // Records of steps that the checkpoint does not hold are written again by this session.
        try (MetricsLog log = MetricsLog.resume(run.metricsFile(), start - 1)) {
            MetricsLogListener metrics = new MetricsLogListener(log);
            if (start < config.steps()) {
                try (Progress progress = Progress.open(options.progress(), "train", start, config.steps(), "steps", imagesPerStep, out)) {
                    while (runtime.nextStep() < config.steps() && !stop.requested()) {
                        StepRecord record = runtime.runStep();
                        metrics.onStep(record);
                        long done = runtime.nextStep();
                        progress.update(done, status(record));
                        if (done % options.checkpointEvery() == 0 && done < config.steps()) {
                            checkpoint(runtime, store, log);
                            lastCheckpoint = done;
                        }
                    }
                }
            }
            if (runtime.nextStep() != lastCheckpoint) checkpoint(runtime, store, log);
        }
        if (stop.requested()) {
            out.println("semivim: stopped by " + stop.reason() + " after step " + runtime.nextStep() + " of " + config.steps()
                    + "; checkpoint written. Continue with: semivim resume " + run.dir());
            return Outcome.STOPPED;
        }
        RunEvaluation evaluation = RunEvaluation.evaluate(config, data, runtime.nextStep(), runtime.student(), runtime.teacherParameters(),
                options.evalLimitPerClass(), options.evalBatch(), options.progress(), out, stop::requested);
        if (evaluation == null) {
            out.println("semivim: stopped by " + stop.reason() + " during the final evaluation (training is complete and checkpointed). "
                    + "Evaluate with: semivim eval " + run.dir());
            return Outcome.STOPPED;
        }
        evaluation.write(run.reportDir());
        out.print(evaluation.summary());
        if (options.report()) {
            Path index = ReportWriter.write(run);
            out.println("report: " + index);
        }
        return Outcome.FINISHED;
    }

    private static void checkpoint(TrainRuntime runtime, CheckpointStore store, MetricsLog log) throws IOException {
        log.sync();   // the checkpoint of step s is written after every record of the steps before it
        runtime.saveCheckpoint(store);
    }

    /** The progress status of a step: losses, mask rate, pseudo-label accuracy, LyapEMA α when present. */
    static String status(StepRecord r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", r.loss()));
        if (r.pseudoAccuracyAll() == r.pseudoAccuracyAll()) {
            b.append(String.format(Locale.ROOT, " mask %.2f pl-acc %.2f", r.maskRate(), r.pseudoAccuracyAll()));
        }
        Object alpha = r.methodFields().get("alpha");
        if (alpha instanceof Number a) b.append(String.format(Locale.ROOT, " α %.4f", a.doubleValue()));
        if (r.skipped()) b.append(" SKIPPED");
        return b.toString();
    }
}
