package org.semivim.actors;

import org.semivim.engine.ops.Ops;
import org.semivim.training.loop.StepListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the actor runtime runs a {@code TrainConfig} (not part of the config: none of it changes the
 * parameters a run produces).
 *
 * @param augmenters      size of the Augmenter pool (≥ 1)
 * @param trainers        number of StudentTrainers (1 … shards); trainer w owns shards w, w + trainers, …
 * @param lookahead       how many steps past the committed one the DataLoader may hand out (≥ 1): the
 *                        bound of the pipeline's buffers (docs/actors.md, flow control)
 * @param runDirectory    where checkpoints ({@code checkpoints/}) and the metrics log ({@code metrics.jsonl})
 *                        go, and what a run resumes from; null: in memory only, no metrics file
 * @param checkpointEvery a checkpoint every this many committed steps (0: only at the end); with no run
 *                        directory the Checkpointer keeps the last one in memory (a supervisor restart uses it)
 * @param keepCheckpoints how many checkpoints the store keeps
 * @param listeners       in-JVM receivers of every step record, once per step (progress bars, tests)
 * @param hooks           test hooks (fault injection, slow actors)
 * @param gauges          buffer high-water marks of this JVM
 * @param ops             the numerics backend of every actor
 * @param start           the initial student and the frozen parameters (pipeline stages); {@link StartingPoint#FROM_CONFIG} by default
 * @param evaluation      periodic evaluation (eval.jsonl, best.safetensors, in the checkpoints) with a run directory; null: none (the default)
 */
public record RunOptions(int augmenters, int trainers, int lookahead, Path runDirectory, long checkpointEvery, int keepCheckpoints,
                         List<StepListener> listeners, RunHooks hooks, FlowGauges gauges, Ops ops, StartingPoint start,
                         PeriodicEvaluation evaluation) {

    /** File name of the metrics log in the run directory. */
    public static final String METRICS_FILE = "metrics.jsonl";

    public RunOptions {
        if (augmenters < 1) throw new IllegalArgumentException("augmenters must be >= 1, got " + augmenters);
        if (trainers < 1) throw new IllegalArgumentException("trainers must be >= 1, got " + trainers);
        if (lookahead < 1) throw new IllegalArgumentException("lookahead must be >= 1, got " + lookahead);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery must be >= 0, got " + checkpointEvery);
        if (keepCheckpoints < 1) throw new IllegalArgumentException("keepCheckpoints must be >= 1, got " + keepCheckpoints);
        listeners = List.copyOf(listeners);
        if (start == null) throw new IllegalArgumentException("start must not be null (StartingPoint.FROM_CONFIG for none)");
    }

    /** 2 augmenters, 1 trainer, lookahead 2, no run directory, CPU. */
    public static RunOptions defaults() {
        return new RunOptions(2, 1, 2, null, 0, 3, List.of(), RunHooks.NONE, new FlowGauges(), Ops.cpu(), StartingPoint.FROM_CONFIG, null);
    }

    public RunOptions withAugmenters(int n) {
        return new RunOptions(n, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withTrainers(int n) {
        return new RunOptions(augmenters, n, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withLookahead(int n) {
        return new RunOptions(augmenters, trainers, n, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withRunDirectory(Path dir, long every) {
        return new RunOptions(augmenters, trainers, lookahead, dir, every, keepCheckpoints, listeners, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withCheckpointEvery(long every) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, every, keepCheckpoints, listeners, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withListener(StepListener listener) {
        List<StepListener> l = new ArrayList<>(listeners);
        l.add(listener);
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, l, hooks, gauges, ops, start, evaluation);
    }

    public RunOptions withHooks(RunHooks h) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, h, gauges, ops, start, evaluation);
    }

    public RunOptions withGauges(FlowGauges g) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, g, ops, start, evaluation);
    }

    public RunOptions withStart(StartingPoint p) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, ops, p, evaluation);
    }

    public RunOptions withEvaluation(PeriodicEvaluation e) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, ops, start, e);
    }

    public RunOptions withOps(Ops o) {
        return new RunOptions(augmenters, trainers, lookahead, runDirectory, checkpointEvery, keepCheckpoints, listeners, hooks, gauges, o, start, evaluation);
    }
}
