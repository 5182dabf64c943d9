package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Phase (7): every step record once, in step order, to the run's JSONL {@link MetricsLog} and the
 * in-JVM listeners. The first record it sees is where this process's run starts (0, or the resumed
 * checkpoint's step), so the log is opened with {@link MetricsLog#resume} there: records the killed
 * process wrote after its checkpoint are dropped and written again. A record of a step already
 * written (the supervisor replaying from a checkpoint after a restart; the same bits) is skipped.
 *
 * <p>With {@link RunOptions#evaluation()} and a run directory it also runs the periodic evaluation
 * ({@link EvaluationLog}): the Checkpointer sends the loaded checkpoint's evaluator part first
 * ({@link RestoreEvaluation}, once per process), the supervisor sends θS, θT after every due commit
 * ({@link Evaluate}, after that step's record), and a {@link Sync} of a due step waits for its
 * evaluation and answers with the evaluator's state as of that step for the checkpoint.
 */
public final class MetricsReporter extends AbstractBehavior<MetricsReporter.Command> {

    public sealed interface Command extends WireMessage permits Report, Sync, Evaluate, RestoreEvaluation {}

    public record Report(StepRecord record) implements Command {}

    /**
     * Answer once every record before step {@code committed} is written and forced to disk: waits while
     * records this process has started writing are missing (none written yet: nothing to wait for, as
     * when a finished run is resumed).
     */
    public record Sync(long committed, ActorRef<Synced> replyTo) implements Command {}

    /** @param evaluation the evaluator's state after {@code committed} steps (for the checkpoint), or null without periodic evaluation */
    public record Synced(long committed, EvaluationLog.Snapshot evaluation) implements WireMessage {}

    /** From the supervisor after commit {@code committed} when an evaluation is due: θS, θT [P] (θT null without a teacher). */
    public record Evaluate(long committed, float[] student, float[] teacher) implements Command {}

    /** From the Checkpointer on loading: the run continues from step {@code step} with the evaluator part {@code saved} (null: none). */
    public record RestoreEvaluation(long step, EvaluationLog.Snapshot saved) implements Command {}

    public static Behavior<Command> create(RunContext run) {
        return Behaviors.setup(ctx -> new MetricsReporter(ctx, run));
    }

    private final RunContext run;
    private MetricsLog log;
    private MetricsLogListener logListener;
    private long lastWritten = -1;
    private final java.util.List<Sync> waiting = new java.util.ArrayList<>();
    private EvaluationLog evaluation;                                                       // null: none, or not restored yet
    private long lastEvaluated = -1;
    private final java.util.TreeMap<Long, EvaluationLog.Snapshot> evaluatedStates = new java.util.TreeMap<>();   // by step

    private MetricsReporter(ActorContext<Command> ctx, RunContext run) {
        super(ctx);
        this.run = run;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Report.class, this::report)
                .onMessage(Sync.class, this::sync)
                .onMessage(Evaluate.class, this::evaluate)
                .onMessage(RestoreEvaluation.class, this::restore)
                .onSignal(PostStop.class, s -> close())
                .build();
    }

    private Behavior<Command> report(Report m) {
        StepRecord r = m.record();
        if (r.step() <= lastWritten) return this;
        Path dir = run.options().runDirectory();
        if (log == null && dir != null) {
            try {
                log = MetricsLog.resume(dir.resolve(RunOptions.METRICS_FILE), r.step() - 1);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the metrics log in " + dir, e);
            }
            logListener = new MetricsLogListener(log);
        }
        if (logListener != null) logListener.onStep(r);
        for (StepListener l : run.options().listeners()) l.onStep(r);
        lastWritten = r.step();
        retrySyncs();
        return this;
    }

    private void retrySyncs() {
        if (!waiting.isEmpty()) {
            java.util.List<Sync> now = new java.util.ArrayList<>(waiting);
            waiting.clear();
            for (Sync s : now) sync(s);
        }
    }

    private boolean evaluating() {
        return EvaluationLog.enabled(run);
    }

    private Behavior<Command> restore(RestoreEvaluation m) {
        if (!evaluating() || evaluation != null) return this;   // a supervisor restart reloads; this process's log goes on
        try {
            evaluation = new EvaluationLog(run.config(), run.data(), run.options().evaluation(), run.options().runDirectory(), m.step(), m.saved(),
                    run.options().ops());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the evaluation log in " + run.options().runDirectory(), e);
        }
        lastEvaluated = evaluation.atEnd(m.step()) ? m.step() - 1 : m.step();
        evaluatedStates.put(m.step(), evaluation.snapshot());
        retrySyncs();
        return this;
    }

    private Behavior<Command> evaluate(Evaluate m) {
        if (evaluation == null) throw new IllegalStateException("evaluation of step " + m.committed() + " before the evaluation state was restored");
        if (m.committed() <= lastEvaluated) return this;   // replayed after a supervisor restart: the same bits, already logged
        evaluation.evaluate(m.committed(), m.student(), m.teacher());
        lastEvaluated = m.committed();
        evaluatedStates.put(m.committed(), evaluation.snapshot());
        retrySyncs();
        return this;
    }

    /** Whether the evaluator's state as of step {@code committed} is known (always without periodic evaluation). */
    private boolean evaluatedUpTo(long committed) {
        if (!evaluating()) return true;
        if (evaluation == null) return false;
        return !EvaluationLog.due(run.config(), committed) || lastEvaluated >= committed;
    }

    private Behavior<Command> sync(Sync m) {
        if ((lastWritten >= 0 && lastWritten < m.committed() - 1) || !evaluatedUpTo(m.committed())) {   // a record or evaluation is on its way
            waiting.add(m);
            return this;
        }
        EvaluationLog.Snapshot state = null;
        try {
            if (log != null) log.sync();
            if (evaluation != null) {
                evaluation.sync();
                var floor = evaluatedStates.floorEntry(m.committed());
                state = floor == null ? null : floor.getValue();
                if (floor != null) evaluatedStates.headMap(floor.getKey()).clear();   // checkpoints come in step order
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync the logs in " + run.options().runDirectory(), e);
        }
        m.replyTo().tell(new Synced(m.committed(), state));
        return this;
    }

    private Behavior<Command> close() {
        if (evaluation != null) {
            try {
                evaluation.close();
            } catch (IOException e) {
                getContext().getLog().warn("closing the evaluation log failed: {}", e.toString());
            }
        }
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                getContext().getLog().warn("closing {} failed: {}", log.file(), e.toString());
            }
        }
        return this;
    }
}
