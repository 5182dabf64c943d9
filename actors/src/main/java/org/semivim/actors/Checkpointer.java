package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Writes and reads the run's checkpoints: a {@link TrainState} in the training module's {@link
 * CheckpointStore} (atomic, checksummed, DONE marker last, falls back to an older good checkpoint,
 * refuses another config's) under {@code <run>/checkpoints}. Without a run directory it keeps the
 * last state in memory, so a supervisor restart still goes back to it. Errors are replied, not
 * thrown: the supervisor decides what they mean.
 *
 * <p>Before writing the checkpoint of step k it has the MetricsReporter sync every record before k
 * ({@link MetricsReporter.Sync}), so a resumed log never misses a record its checkpoint covers. The
 * state waits here, not in the supervisor, so a supervisor crash cannot lose a checkpoint it asked
 * for; a {@link LoadLatest} is answered once every pending write is done.
 *
 * <p>With periodic evaluation the {@link MetricsReporter.Synced} carries the evaluator's state as of
 * the checkpoint's step, written beside the train state as the reference runtime writes it ({@code
 * best/} tensors, the JSON key {@code "evaluation"}); on loading, the checkpoint's evaluator part goes
 * to the MetricsReporter ({@link MetricsReporter.RestoreEvaluation}) before the state goes to the supervisor.
 */
public final class Checkpointer extends AbstractBehavior<Checkpointer.Command> {

    public sealed interface Command extends WireMessage permits Save, LoadLatest, RecordsSynced {}

    /** Write {@code state} as the checkpoint of its step. */
    public record Save(TrainState state, ActorRef<Saved> replyTo) implements Command {}

    /** The checkpoint of {@code step} is complete on disk (or in memory); {@code error} non-null when writing failed. */
    public record Saved(long step, String location, String error) implements WireMessage {}

    /** Read the newest good checkpoint of this run's config. */
    public record LoadLatest(ActorRef<Latest> replyTo) implements Command {}

    /** The newest good state, or null when the run has none; {@code error} non-null when reading failed. */
    public record Latest(TrainState state, String error) implements WireMessage {}

    private record RecordsSynced(MetricsReporter.Synced synced) implements Command {}

    public static Behavior<Command> create(RunContext run, ActorRef<MetricsReporter.Command> metrics) {
        return Behaviors.setup(ctx -> new Checkpointer(ctx, run, metrics));
    }

    private final RunContext run;
    private final ActorRef<MetricsReporter.Command> metrics;
    private final ActorRef<MetricsReporter.Synced> syncedAdapter;
    private final CheckpointStore store;                               // null: in memory
    private final TreeMap<Long, Save> awaitingSync = new TreeMap<>();  // by step
    private final List<LoadLatest> loadsWaiting = new ArrayList<>();
    private ParameterSet layout;                                       // the model's parameter names and shapes, made when first needed
    private TrainState inMemory;

    private Checkpointer(ActorContext<Command> ctx, RunContext run, ActorRef<MetricsReporter.Command> metrics) {
        super(ctx);
        this.run = run;
        this.metrics = metrics;
        this.syncedAdapter = ctx.messageAdapter(MetricsReporter.Synced.class, RecordsSynced::new);
        Path dir = run.options().runDirectory();
        this.store = dir == null ? null : new CheckpointStore(dir, run.options().keepCheckpoints());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Save.class, m -> {
                    awaitingSync.put(m.state().step(), m);
                    metrics.tell(new MetricsReporter.Sync(m.state().step(), syncedAdapter));
                    return this;
                })
                .onMessage(RecordsSynced.class, m -> {
                    Save save = awaitingSync.remove(m.synced().committed());
                    if (save != null) write(save, m.synced().evaluation());
                    if (awaitingSync.isEmpty()) {
                        for (LoadLatest l : loadsWaiting) load(l);
                        loadsWaiting.clear();
                    }
                    return this;
                })
                .onMessage(LoadLatest.class, m -> {
                    if (awaitingSync.isEmpty()) return load(m);
                    loadsWaiting.add(m);
                    return this;
                })
                .build();
    }

    private Behavior<Command> write(Save m, EvaluationLog.Snapshot evaluation) {
        TrainState state = m.state();
        if (store == null) {
            inMemory = state;
            m.replyTo().tell(new Saved(state.step(), "memory", null));
            return this;
        }
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>(state.toTensors(layout()));
            Map<String, Object> json = new LinkedHashMap<>(state.toStateMap());
            if (evaluation != null) {
                tensors.putAll(evaluation.tensorMap());
                json.put(TrainCheckpoints.EVALUATION_KEY, evaluation.stateTree());
            }
            Path where = store.write(state.step(), tensors, json, state.configHash());
            m.replyTo().tell(new Saved(state.step(), where.toString(), null));
        } catch (Exception e) {
            getContext().getLog().error("checkpoint of step {} failed: {}", state.step(), e.toString());
            m.replyTo().tell(new Saved(state.step(), null, "checkpoint of step " + state.step() + " failed: " + e));
        }
        return this;
    }

    private Behavior<Command> load(LoadLatest m) {
        if (store == null) {
            m.replyTo().tell(new Latest(inMemory, null));
            return this;
        }
        try {
            Optional<LoadResult> latest = store.latest(run.config().hash());
            if (latest.isEmpty()) {
                metrics.tell(new MetricsReporter.RestoreEvaluation(0, null));
                m.replyTo().tell(new Latest(null, null));
            } else {
                LoadResult r = latest.get();
                if (r.fellBack()) getContext().getLog().warn("newest checkpoint refused, resuming from step {}: {}", r.checkpoint().step(), r.refusals());
                TrainState state = TrainCheckpoints.stateOf(r.checkpoint(), layout());
                metrics.tell(new MetricsReporter.RestoreEvaluation(state.step(), EvaluationLog.Snapshot.of(r.checkpoint())));
                m.replyTo().tell(new Latest(state, null));
            }
        } catch (Exception e) {
            m.replyTo().tell(new Latest(null, "cannot read the checkpoints of " + run.options().runDirectory() + ": " + e));
        }
        return this;
    }

    private ParameterSet layout() {
        if (layout == null) {
            layout = run.config().method() == org.semivim.training.config.Method.SSMAE
                    ? org.semivim.training.ssmae.SsmaeStep.model(run.config(), run.options().ops()).parameters()   // encoder + decoder
                    : run.config().model().create(run.options().ops(), run.config().seed()).parameters();
        }
        return layout;
    }
}
