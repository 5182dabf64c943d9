package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.training.loop.MethodSetup;
import org.semivim.training.method.Composition;
import org.semivim.training.method.LossComposer;
import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.training.config.Method;
import org.semivim.training.ssmae.SsmaeGate;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.StepViews;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Phases (3)–(4): pseudo-labels of step t's weak views from the parameters after t committed steps
 * (θT_{t−1}; FixMatch: θS_{t−1}), eval mode, over the S fixed shards
 * ({@link org.semivim.training.step.TeacherInference}); then the method's loss terms; the supervisor gets
 * the {@link LyapunovSupervisor.StepPlan} (predictions, mask, term kinds and weights) for the step record.
 * The trainers compose the same terms themselves: each gets a step's views ({@link StudentTrainer.StepInputs})
 * as soon as they are here and the step is not behind the parameters (usually while this actor still
 * labels the step before, so the large part of a step's work crosses to a trainer node off the critical
 * path), and when the step is labelled only the predictions and the shards it owns
 * ({@link StudentTrainer.ComputeLabelled}). {@link InputsSent} says who has which step's views.
 *
 * <p>It holds the views of at most lookahead + 1 steps ({@link ViewsBuffer}): the DataLoader never hands
 * out a step ≥ committed + lookahead, and the supervisor is at most one step ahead of this actor.
 * A {@link LabelParams} that is not the next version (start, restart, the run going back to a
 * checkpoint) empties the buffer and asks the DataLoader to hand everything out again from there.
 *
 * <p>Which trainer owns which shards comes as a {@link ShardTable} message from the run's guardian (kept
 * across restarts), so TeacherInference can run on another node than the run: there ({@link TeacherHost})
 * the run addresses it through its {@link TeacherRelay}, and its plans and work go as
 * {@link TeacherOutbox.Forward}s through a chunked link back to the run's node.
 *
 * <p>SSMAE ({@link SsmaeLabelling}): the gate, the current θS's predictions, the admission decision against
 * the supervisor's memory view ({@link MemoryView}) and the loss terms, split into the S shards' rows;
 * every trainer gets the shards it owns.
 */
public final class TeacherInference extends AbstractBehavior<TeacherInference.Command> {

    public sealed interface Command extends WireMessage permits ViewsReady, LabelParams, ResendShards, LoaderRestarted, MemoryView, ShardTable {}

    /** The views of one step, from an augmenter. */
    public record ViewsReady(StepViews views) implements Command {}

    /**
     * The pseudo-labelling parameters [P] after {@code version} committed steps; {@code reset}: the
     * supervisor (re)started, drop everything in hand.
     */
    public record LabelParams(long version, float[] parameters, boolean reset) implements Command {}

    /** A trainer restarted and lost its work: send it its shards of the step in hand again. */
    public record ResendShards(ActorRef<StudentTrainer.Command> trainer) implements Command {}

    /** The DataLoader restarted and forgot its window: say again where the run is. */
    public record LoaderRestarted() implements Command {}

    /**
     * SSMAE: the supervisor's pseudo-label memory and gate after {@code version} commits, sent before the
     * {@link LabelParams} of that version; {@code entries} is the whole memory when {@code reset}, else
     * the entries the commit of step version − 1 wrote ({@link SsmaeLabelling}).
     */
    public record MemoryView(long version, SsmaeGate.Decision gate, List<PseudoLabelMemory.Memorised> entries, boolean reset) implements Command {
        public MemoryView {
            entries = List.copyOf(entries);
        }
    }

    /**
     * Which trainer owns which shards: {@code trainers.get(w)} (the ref the run addresses it by) computes
     * shards {@code shards.get(w)}. From the run's guardian whenever the table changes (it is not read
     * from anywhere else, so TeacherInference can live on another node); kept across restarts.
     */
    public record ShardTable(List<ActorRef<StudentTrainer.Command>> trainers, List<int[]> shards) implements Command {
        public ShardTable {
            if (trainers.size() != shards.size()) {
                throw new IllegalArgumentException("shard table: " + trainers.size() + " trainers but " + shards.size() + " shard lists");
            }
            trainers = List.copyOf(trainers);
            shards = List.copyOf(shards);
        }

        public static final ShardTable EMPTY = new ShardTable(List.of(), List.of());
    }

    /** TeacherInference on the run's node: it is addressed by its own ref and tells its peers directly. */
    public static Behavior<Command> create(RunContext run, ActorRef<DataLoader.Command> loader) {
        return create(run, loader, null, null);
    }

    /**
     * TeacherInference that the run addresses as {@code addressedAs} (on a teacher node: the run's
     * {@link TeacherRelay}; null: its own ref), and whose messages to the supervisor and the trainers go
     * as {@link TeacherOutbox.Forward}s through {@code outbox} (a chunked link to the run's node; null:
     * told directly). A restarted one announces itself under {@code addressedAs}.
     */
    public static Behavior<Command> create(RunContext run, ActorRef<DataLoader.Command> loader, ActorRef<Command> addressedAs, ActorRef<Object> outbox) {
        Incarnations incarnations = new Incarnations();
        ShardTable[] table = {ShardTable.EMPTY};   // survives restarts (the guardian sends it only when it changes)
        return Behaviors.setup(ctx -> new TeacherInference(ctx, run, loader, incarnations.restarted(), table,
                addressedAs == null ? ctx.getSelf() : addressedAs, outbox));
    }

    private final RunContext run;
    private final ActorRef<DataLoader.Command> loader;
    private final org.semivim.training.step.TeacherInference inference;
    private final LossComposer composer;
    private final SsmaeLabelling ssmae;      // SSMAE's phases (0), (3), (4); null for the other methods
    private final int numClasses;
    private final ViewsBuffer buffer = new ViewsBuffer();
    private final ShardTable[] table;        // the current shard table, in a cell shared with later incarnations
    private final ActorRef<Object> outbox;   // null: peers are told directly
    private long version = -1;               // committed steps the parameters are from; -1: none yet
    private float[] parameters;              // [P]
    private final InputsSent<ActorRef<StudentTrainer.Command>> inputsSent = new InputsSent<>();
    private Labelled inHand;                 // step `version`, once dispatched
    private List<SsmaeStep.ShardTerms> ssmaeInHand;   // SSMAE: the S shards' terms of step `version`, once dispatched

    private TeacherInference(ActorContext<Command> ctx, RunContext run, ActorRef<DataLoader.Command> loader, boolean restarted, ShardTable[] table,
                             ActorRef<Command> addressedAs, ActorRef<Object> outbox) {
        super(ctx);
        this.run = run;
        this.loader = loader;
        this.table = table;
        this.outbox = outbox;
        if (run.config().method() == Method.SSMAE) {
            this.ssmae = new SsmaeLabelling(run.config(), run.data(), run.options().ops());
            this.inference = null;
            this.composer = null;
            this.numClasses = ssmae.numClasses();
        } else {
            ImageClassifier replica = run.config().model().create(run.options().ops(), run.config().seed());
            this.ssmae = null;
            this.inference = new org.semivim.training.step.TeacherInference(replica,
                    org.semivim.training.update.UpdateBackends.of(run.options().ops()));
            this.numClasses = replica.numClasses();
            this.composer = MethodSetup.composer(run.config(), numClasses);
        }
        if (restarted) {   // a restart: the supervisor sends the parameters again with reset
            run.topology().get().supervisor().tell(new LyapunovSupervisor.TeacherStarted(addressedAs));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ViewsReady.class, this::onViews)
                .onMessage(LabelParams.class, this::onParams)
                .onMessage(ResendShards.class, this::onResend)
                .onMessage(ShardTable.class, m -> {
                    table[0] = m;
                    return this;
                })
                .onMessage(MemoryView.class, m -> ssmae != null && ssmae.apply(m) ? process() : this)
                .onMessage(LoaderRestarted.class, m -> {
                    if (version >= 0) loader.tell(new DataLoader.RestartFrom(version));   // views it already holds come again: kept once
                    return this;
                })
                .build();
    }

    /** Step {@code version} as dispatched: the inputs every trainer composes from and the teacher's predictions. */
    private record Labelled(StudentTrainer.StepInputs inputs, PseudoLabels predictions) {}

    private Behavior<Command> onViews(ViewsReady m) {
        run.options().gauges().viewsReceived();
        boolean kept = buffer.offer(m.views(), version);
        run.options().gauges().bufferedViews(buffer.size());
        if (kept && ssmae == null && version >= 0 && m.views().batch().step() > version) sendAhead(StudentTrainer.StepInputs.of(m.views()));
        return process();
    }

    /** A coming step's views to every trainer that owns shards and does not have them yet. */
    private void sendAhead(StudentTrainer.StepInputs inputs) {
        ShardTable t = table[0];
        for (int w = 0; w < t.trainers().size(); w++) {
            if (t.shards().get(w).length > 0 && inputsSent.mark(inputs.step(), t.trainers().get(w))) {
                StepTimeline.mark(StepTimeline.Kind.INPUTS_SENT, inputs.step());
                send(t.trainers().get(w), inputs);
            }
        }
    }

    private Behavior<Command> onParams(LabelParams m) {
        boolean next = !m.reset() && version >= 0 && m.version() == version + 1;
        if (!next && m.version() == version && !m.reset()) return this;   // a repeat of what we have
        version = m.version();
        parameters = m.parameters();
        inHand = null;
        ssmaeInHand = null;
        if (next) {
            buffer.dropBefore(version);
            inputsSent.dropBefore(version);
        } else {
            buffer.clear();
            inputsSent.clear();
            loader.tell(new DataLoader.RestartFrom(version));
        }
        run.options().gauges().bufferedViews(buffer.size());
        return process();
    }

    private Behavior<Command> onResend(ResendShards m) {
        ShardTable t = table[0];
        int w = t.trainers().indexOf(m.trainer());
        if (w < 0) return this;
        inputsSent.forget(m.trainer());   // it may have restarted and lost the views it held: they go again
        if (inHand != null && t.shards().get(w).length > 0) {
            send(m.trainer(), inHand.inputs());
            send(m.trainer(), new StudentTrainer.ComputeLabelled(version, inHand.predictions(), t.shards().get(w)));
        }
        if (ssmaeInHand != null) send(m.trainer(), new StudentTrainer.ComputeSsmaeShards(version, pick(ssmaeInHand, t.shards().get(w))));
        return this;
    }

    /** To the supervisor or a trainer: directly, or through the outbox (a chunked link) from a teacher node. */
    private <T> void send(ActorRef<T> to, T message) {
        if (outbox == null) to.tell(message);
        else outbox.tell(new TeacherOutbox.Forward(to, message));
    }

    /** Runs step {@code version} when its views are here and it has not been dispatched yet. */
    private Behavior<Command> process() {
        long t = version;
        if (t < 0 || inHand != null || ssmaeInHand != null || t >= run.config().steps()) return this;
        if (ssmae != null && !ssmae.readyFor(t)) return this;   // the memory view of this version comes first
        StepViews views = buffer.take(t);
        if (views == null) return this;
        run.options().gauges().bufferedViews(buffer.size());
        run.options().hooks().beforePseudoLabels(t);
        StepTimeline.mark(StepTimeline.Kind.TEACHER_START, t);
        long t0 = System.nanoTime();
        if (ssmae != null) return processSsmae(t, views, t0);
        var c = run.config();
        PseudoLabels predictions = c.method().usesUnlabeled()
                ? inference.predict(parameters, views.unlabeledWeak(), c.shards())
                : new PseudoLabels(new float[0], new int[0], numClasses);
        Composition composition = composer.compose(views, predictions);
        List<LossTerm> terms = composition.terms();
        int[] kinds = new int[terms.size()];
        float[] weights = new float[terms.size()];
        for (int i = 0; i < terms.size(); i++) {
            kinds[i] = terms.get(i).kind().code;
            weights[i] = terms.get(i).lossWeight();
        }
        run.options().gauges().worked(FlowGauges.Work.PSEUDO_LABEL, System.nanoTime() - t0);
        send(run.topology().get().supervisor(), new LyapunovSupervisor.StepPlan(t, views.batch(), predictions, composition.mask(), kinds, weights));
        StudentTrainer.StepInputs inputs = StudentTrainer.StepInputs.of(views);
        ShardTable table = this.table[0];
        for (int w = 0; w < table.trainers().size(); w++) {
            int[] owned = table.shards().get(w);
            if (owned.length == 0) continue;
            var trainer = table.trainers().get(w);
            if (inputsSent.mark(t, trainer)) {   // not sent ahead (or forgotten): before the labels, on the same path
                StepTimeline.mark(StepTimeline.Kind.INPUTS_SENT, t);
                send(trainer, inputs);
            }
            StepTimeline.mark(StepTimeline.Kind.LABELS_SENT, t);
            send(trainer, new StudentTrainer.ComputeLabelled(t, predictions, owned));
        }
        inputsSent.dropBefore(t + 1);
        inHand = new Labelled(inputs, predictions);
        return this;
    }

    /** SSMAE's step t: gate, predictions, admission and terms; the plan to the supervisor, to every trainer the shards it owns. */
    private Behavior<Command> processSsmae(long t, StepViews views, long t0) {
        SsmaeLabelling.Dispatch d = ssmae.run(views, parameters);
        run.options().gauges().worked(FlowGauges.Work.PSEUDO_LABEL, System.nanoTime() - t0);
        send(run.topology().get().supervisor(), new LyapunovSupervisor.SsmaeStepPlan(d.plan()));
        ShardTable table = this.table[0];
        for (int w = 0; w < table.trainers().size(); w++) {
            send(table.trainers().get(w), new StudentTrainer.ComputeSsmaeShards(t, pick(d.shards(), table.shards().get(w))));
        }
        ssmaeInHand = d.shards();
        return this;
    }

    private static <S> List<S> pick(List<S> shards, int[] owned) {
        List<S> out = new ArrayList<>(owned.length);
        for (int s : owned) out.add(shards.get(s));
        return out;
    }

    /** The views held for the coming steps: one per step, none before the current version. */
    static final class ViewsBuffer {
        private final TreeMap<Long, StepViews> byStep = new TreeMap<>();

        /** Keeps {@code views} unless its step is already done ({@code < version}) or already held (a re-render); true when kept. */
        boolean offer(StepViews views, long version) {
            long s = views.batch().step();
            if (version >= 0 && s < version) return false;
            return byStep.putIfAbsent(s, views) == null;
        }

        StepViews take(long step) {
            return byStep.remove(step);
        }

        void dropBefore(long step) {
            byStep.headMap(step).clear();
        }

        void clear() {
            byStep.clear();
        }

        int size() {
            return byStep.size();
        }
    }
}
