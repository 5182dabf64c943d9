package org.semivim.cli.run;

import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.loop.EvaluationRecord;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The single-process {@link ReferenceTrainer} as a {@link TrainRuntime}: every phase in the caller's
 * thread, step by step, with the loop's {@link PeriodicEvaluator} beside it (validation split, and
 * the test set, every {@code eval_every} steps and after the last; the best-by-validation model in
 * {@code best.safetensors}; one line per evaluation in {@code eval.jsonl}; its state in the checkpoints).
 */
final class ReferenceRuntime extends SteppedRuntime {
    static final String EVAL_LOG = "eval.jsonl", BEST_FILE = "best.safetensors";

    private final ReferenceTrainer trainer;
    private final TrainingData data;
    private final RuntimeOptions options;
    private PeriodicEvaluator evaluator;
    private MetricsLog evalLog;
    private String lastEvaluation = "";

    /** @param ops the trainer's numerics backend (the periodic evaluator's model stays on the CPU) */
    ReferenceRuntime(TrainConfig config, TrainingData data, RuntimeOptions options, Ops ops) {
        this.trainer = new ReferenceTrainer(config, data, ops);
        this.data = data;
        this.options = options;
    }

    @Override
    void beforeRun(RunDirectory run) {
        evaluator = new PeriodicEvaluator(trainer, data, trainer.config().evalEvery(), options.evalBatch(),
                options.testEveryEval() ? PeriodicEvaluator.TestSchedule.EVERY_EVALUATION : PeriodicEvaluator.TestSchedule.END_ONLY,
                run.dir().resolve(BEST_FILE));
        trainer.addListener(evaluator);
        evaluator.addListener(this::record);
    }

    @Override
    void afterResume(RunDirectory run, long start) throws IOException {
        // eval lines carry the steps done: those up to the checkpoint stay; at the end the final evaluation runs again
        boolean atEnd = start >= trainer.config().steps();
        evalLog = MetricsLog.resume(run.dir().resolve(EVAL_LOG), atEnd ? start - 1 : start);
        if (atEnd) evaluator.evaluateNow();
    }

    @Override
    void afterRun() throws IOException {
        if (evalLog != null) evalLog.close();
    }

    @Override
    void syncLogs() throws IOException {
        evalLog.sync();
    }

    private void record(EvaluationRecord r) {
        try {
            evalLog.append(r.step(), r.toFields());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append the evaluation of step " + r.step() + " to " + evalLog.file(), e);
        }
        String status = status(r);
        if (status != null) lastEvaluation = status;
    }

    /** The progress text of a periodic evaluation (" | teacher val 0.812 test 0.805"), or null for another record. */
    static String status(EvaluationRecord r) {
        if (!r.type().equals(EvaluationRecord.PERIODIC)) return null;
        Evaluation validation = r.primaryValidation(), test = r.primaryTest();
        return String.format(Locale.ROOT, " | %s val %.3f", r.primary(), validation.top1())
                + (test == null ? "" : String.format(Locale.ROOT, " test %.3f", test.top1()));
    }

    @Override
    public String evaluationStatus() {
        return lastEvaluation;
    }

    @Override long steps() { return trainer.config().steps(); }

    @Override long nextStep() { return trainer.nextStep(); }

    @Override StepRecord runStep() { return trainer.runStep().record(); }

    @Override void save(CheckpointStore store) throws IOException { TrainCheckpoints.save(store, trainer, evaluator); }

    @Override Optional<LoadResult> resume(CheckpointStore store) throws IOException { return TrainCheckpoints.resume(store, trainer, evaluator); }

    @Override float[] student() { return trainer.studentParameters(); }

    @Override float[] teacher() { return trainer.teacherParameters(); }

    @Override
    public void close() {
        try {
            afterRun();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path bestFile(RunDirectory run) {
        return run.dir().resolve(BEST_FILE);
    }
}
