package org.semivim.cli.run;

import org.semivim.cli.progress.Progress;
import org.semivim.cli.report.ReportWriter;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Drives one run to its end in a {@link RunDirectory}: the runtime resumes from the newest good
 * checkpoint and runs the remaining steps (with a progress display), then the student and teacher
 * are evaluated on the test set and the report is written. A {@link StopRequest} (Ctrl-C) ends it
 * after the current step with a checkpoint; {@code resume} continues from there and ends in the
 * same bits as an uninterrupted run.
 */
public final class TrainingSession {

    /**
     * @param checkpointEvery   steps between checkpoints (≥ 1)
     * @param evalLimitPerClass test images per class for the final evaluation, 0 = all
     * @param evalBatch         images per evaluation forward pass
     * @param report            write report/ at the end
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

    /** Runs (or continues) the run; FINISHED after the last step, evaluation and report, STOPPED on a stop request. */
    public static Outcome run(RunDirectory run, TrainRuntime runtime, TrainingData data, Options options, StopRequest stop, PrintStream out)
            throws IOException {
        return run(run, runtime, data, options, stop, out, Ops.cpu());
    }

    /** As above, the final evaluation's models on {@code ops} ({@code --device}). */
    public static Outcome run(RunDirectory run, TrainRuntime runtime, TrainingData data, Options options, StopRequest stop, PrintStream out,
                              Ops ops) throws IOException {
        TrainConfig config = run.config();
        long imagesPerStep = config.labeledBatch() + config.unlabeledBatch();   // ≤ 2^20 + 2^30, no overflow
        long first = firstStepToRun(run);
        TrainRuntime.Result result;
        try (Progress progress = Progress.open(options.progress(), "train", first, config.steps(), "steps", imagesPerStep, out)) {
            result = runtime.run(run, options.checkpointEvery(), r -> progress.update(r.step() + 1, status(r) + runtime.evaluationStatus()), stop, out);
        }
        if (result.stopped()) {
            out.println("semivim: stopped by " + stop.reason() + " after step " + result.steps() + " of " + config.steps()
                    + "; checkpoint written. Continue with: semivim resume " + run.dir());
            return Outcome.STOPPED;
        }
        ImageClassifier student = RunModels.withValues(config, result.student(), ops);
        RunEvaluation evaluation = RunEvaluation.evaluate(config, data, result.steps(), student, result.teacher(),
                options.evalLimitPerClass(), options.evalBatch(), options.progress(), out, stop::requested, ops);
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

    /** Where the progress display starts: the step of the newest checkpoint directory (the runtime verifies it). */
    private static long firstStepToRun(RunDirectory run) throws IOException {
        var steps = run.checkpoints().steps();
        return steps.isEmpty() ? 0 : Math.min(steps.get(steps.size() - 1), run.config().steps());
    }

    /** The progress status of a step: losses, mask rate, pseudo-label accuracy, LyapEMA α when present. */
    static String status(StepRecord r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", r.loss()));
        if (!Double.isNaN(r.pseudoAccuracyAll())) {
            b.append(String.format(Locale.ROOT, " mask %.2f pl-acc %.2f", r.maskRate(), r.pseudoAccuracyAll()));
        }
        Object alpha = r.methodFields().get("alpha");
        if (alpha instanceof Number a) b.append(String.format(Locale.ROOT, " α %.4f", a.doubleValue()));
        if (r.skipped()) b.append(" SKIPPED");
        return b.toString();
    }
}
