package org.semivim.cli.run;

import org.semivim.actors.PeriodicEvaluation;
import org.semivim.actors.RunHandle;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The actor runtime ({@code RunOrchestrator}: DataLoader, Augmenter pool, TeacherInference,
 * StudentTrainers, LyapunovSupervisor, Checkpointer, MetricsReporter as Pekko typed actors in this
 * JVM) as a {@link TrainRuntime}. It resumes from the run directory's newest good checkpoint, writes
 * metrics.jsonl and checkpoints itself, and ends in the same bits as the reference runtime. A {@link
 * StopRequest} (Ctrl-C) becomes {@link RunHandle#requestStop()}: the step in progress commits, its
 * checkpoint is written and the run ends ({@code resume} continues it). Periodic evaluation runs in
 * the MetricsReporter ({@code PeriodicEvaluation}) and writes the same {@code eval.jsonl}, {@code
 * best.safetensors} and checkpoint state as {@link ReferenceRuntime}.
 */
final class ActorRuntime implements TrainRuntime {
    private final TrainConfig config;
    private final TrainingData data;
    private final int trainers, augmenters;
    private final PeriodicEvaluation evaluation;
    private volatile String lastEvaluation = "";
    private final Ops ops;

    /** @param ops the numerics backend of every actor's models (RunOptions.ops) */
    ActorRuntime(TrainConfig config, TrainingData data, RuntimeOptions options, Ops ops) {
        this.ops = ops;
        this.config = config;
        this.data = data;
        this.trainers = options.trainers();
        this.augmenters = options.augmenters();
        this.evaluation = new PeriodicEvaluation(options.evalBatch(),
                options.testEveryEval() ? PeriodicEvaluator.TestSchedule.EVERY_EVALUATION : PeriodicEvaluator.TestSchedule.END_ONLY,
                r -> {
                    String status = ReferenceRuntime.status(r);
                    if (status != null) lastEvaluation = status;
                });
    }

    @Override
    public String evaluationStatus() {
        return lastEvaluation;
    }

    /** How often the waiting caller looks at the stop request. */
    private static final Duration STOP_POLL = Duration.ofMillis(50);

    @Override
    public Result run(RunDirectory run, long checkpointEvery, StepListener progress, StopRequest stop, PrintStream out) throws IOException {
        List<Long> steps = run.checkpoints().steps();
        long start = steps.isEmpty() ? 0 : steps.get(steps.size() - 1);
        out.println("actor runtime: " + trainers + " student trainer(s), " + augmenters + " augmenter(s)"
                + (start > 0 ? "; resuming from the newest good checkpoint (at most step " + start + ")" : ""));
        RunOptions options = RunOptions.defaults().withRunDirectory(run.dir(), checkpointEvery).withTrainers(trainers)
                .withAugmenters(augmenters).withListener(progress).withEvaluation(evaluation).withOps(ops);
        RunResult result;
        try (RunHandle handle = RunOrchestrator.start(config, data, options)) {
            boolean asked = false;
            Optional<RunResult> end;
            while ((end = handle.result(STOP_POLL)).isEmpty()) {
                if (!asked && stop.requested()) {
                    handle.requestStop();
                    asked = true;
                }
            }
            result = end.get();
        }
        return new Result(start, result.steps(), result.student(), result.teacher(), result.stopped());
    }

    @Override
    public void close() {
        // the run handle terminates its actor system before run() returns
    }
}
