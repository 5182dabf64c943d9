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
 */
public final class MetricsReporter extends AbstractBehavior<MetricsReporter.Command> {

    public sealed interface Command extends WireMessage permits Report, Sync {}

    public record Report(StepRecord record) implements Command {}

    /**
     * Answer once every record before step {@code committed} is written and forced to disk: waits while
     * records this process has started writing are missing (none written yet: nothing to wait for, as
     * when a finished run is resumed).
     */
    public record Sync(long committed, ActorRef<Synced> replyTo) implements Command {}

    public record Synced(long committed) implements WireMessage {}

    public static Behavior<Command> create(RunContext run) {
        return Behaviors.setup(ctx -> new MetricsReporter(ctx, run));
    }

    private final RunContext run;
    private MetricsLog log;
    private MetricsLogListener logListener;
    private long lastWritten = -1;
    private final java.util.List<Sync> waiting = new java.util.ArrayList<>();

    private MetricsReporter(ActorContext<Command> ctx, RunContext run) {
        super(ctx);
        this.run = run;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Report.class, this::report)
                .onMessage(Sync.class, this::sync)
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
        if (!waiting.isEmpty()) {
            java.util.List<Sync> now = new java.util.ArrayList<>(waiting);
            waiting.clear();
            for (Sync s : now) sync(s);
        }
        return this;
    }

    private Behavior<Command> sync(Sync m) {
        if (lastWritten >= 0 && lastWritten < m.committed() - 1) {   // a record before it is still on its way
            waiting.add(m);
            return this;
        }
        if (log != null) {
            try {
                log.sync();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot sync " + log.file(), e);
            }
        }
        m.replyTo().tell(new Synced(m.committed()));
        return this;
    }

    private Behavior<Command> close() {
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
