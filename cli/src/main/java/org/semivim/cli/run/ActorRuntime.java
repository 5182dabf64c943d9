package org.semivim.cli.run;

import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The actor runtime ({@code RunOrchestrator}: DataLoader, Augmenter pool, TeacherInference,
 * StudentTrainers, LyapunovSupervisor, Checkpointer, MetricsReporter as Pekko typed actors in this
 * JVM) as a {@link TrainRuntime}. It resumes from the run directory's newest good checkpoint, writes
 * metrics.jsonl and checkpoints itself, and ends in the same bits as the reference runtime. It has no
 * stop request: Ctrl-C ends the JVM and {@code resume} continues from the last periodic checkpoint.
 */
final class ActorRuntime implements TrainRuntime {
    private final TrainConfig config;
    private final TrainingData data;
    private final int trainers, augmenters;
    private final Ops ops;

    /** @param ops the numerics backend of every actor's models (RunOptions.ops) */
    ActorRuntime(TrainConfig config, TrainingData data, int trainers, int augmenters, Ops ops) {
        this.ops = ops;
        this.config = config;
        this.data = data;
        this.trainers = trainers;
        this.augmenters = augmenters;
    }

    @Override
    public boolean stopsOnRequest() {
        return false;
    }

    @Override
    public Result run(RunDirectory run, long checkpointEvery, StepListener progress, StopRequest stop, PrintStream out) throws IOException {
        List<Long> steps = run.checkpoints().steps();
        long start = steps.isEmpty() ? 0 : steps.get(steps.size() - 1);
        out.println("actor runtime: " + trainers + " student trainer(s), " + augmenters + " augmenter(s)"
                + (start > 0 ? "; resuming from the newest good checkpoint (at most step " + start + ")" : ""));
        RunOptions options = RunOptions.defaults().withRunDirectory(run.dir(), checkpointEvery).withTrainers(trainers)
                .withAugmenters(augmenters).withListener(progress).withOps(ops);
        RunResult result = RunOrchestrator.run(config, data, options);
        return new Result(start, result.steps(), result.student(), result.teacher(), false);
    }

    @Override
    public void close() {
        // RunOrchestrator.run terminates its actor system before it returns
    }
}
