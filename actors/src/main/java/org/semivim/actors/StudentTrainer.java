package org.semivim.actors;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.Method;
import org.semivim.training.loop.MethodSetup;
import org.semivim.training.method.LossComposer;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;

import java.util.List;
import java.util.TreeMap;

/**
 * Phase (5): the gradients of the shards this trainer owns ({@link ShardGradient#compute} on its own
 * replica), at the student parameters after t committed steps. A step's work comes in two parts:
 * {@link StepInputs} (the views, sent by TeacherInference as soon as it has them, usually while it
 * still labels the step before) and {@link ComputeLabelled} (the teacher's predictions and which
 * shards to compute, sent when the step is labelled); the trainer composes the loss terms itself
 * ({@link LossComposer}, a pure function, so the terms are the bits TeacherInference composes) and
 * splits them into the S shards. While the labels are still to come, a trainer that holds the
 * parameters of version t and step t's inputs already runs the label-free terms (L_x) of the shards it
 * expects ({@link LabelFreeStart}); the shards go on from there when the labels come, with the same bits.
 * Work for step t waits until the parameters of version t and its
 * inputs are here ({@link WorkForVersion}, {@link InputsByStep}); each shard's gradient goes to the
 * supervisor as a {@link LyapunovSupervisor.ShardDone}. After a restart it asks the supervisor for the
 * parameters and TeacherInference for its work again (both parts). A run's only trainer that holds every
 * shard gets θS with the AdamW state ({@link MirrorParams}) and then only {@link CommitNote}s, which its
 * {@link CommitMirror} turns into θS with the supervisor's bits (digest-checked; otherwise it asks again).
 */
public final class StudentTrainer extends AbstractBehavior<StudentTrainer.Command> {

    public sealed interface Command extends WireMessage permits StudentParams, MirrorParams, CommitNote, StepInputs, StepWork {}

    /** Work on the shards of one step, done at the parameters of version {@code step()}. */
    public sealed interface StepWork extends Command permits ComputeLabelled, ComputeSsmaeShards {
        long step();
    }

    /** θS [P] after {@code version} committed steps. */
    public record StudentParams(long version, float[] parameters) implements Command {}

    /**
     * θS [P] after {@code version} committed steps with the supervisor's AdamW state (step count, m [P],
     * v [P]): the trainer mirrors the following commits ({@link CommitMirror}) from here.
     */
    public record MirrorParams(long version, float[] parameters, long adamStep, float[] firstMoment, float[] secondMoment) implements Command {}

    /**
     * How step {@code version − 1} was committed (sent instead of θS to a trainer that mirrors the commits
     * and computed that step whole): skipped (nothing moved) or the AdamW step with learning rate
     * {@code lr}, and {@link CommitNotes#digest} of the resulting θS.
     */
    public record CommitNote(long version, boolean skipped, double lr, long digest) implements Command {}

    /**
     * What the loss terms of step {@code step} are composed from besides the teacher's predictions: the
     * step's views without the weak unlabeled ones (those are the teacher's input only):
     * labeledWeak [B_l, C, H, W], labels [B_l], unlabeledWeak [0, C, H, W], unlabeledStrong [B_u, C, H, W].
     */
    public record StepInputs(long step, StepViews views) implements Command {
        public StepInputs {
            if (views.batch().step() != step) throw new IllegalArgumentException("step inputs of step " + step + " hold the views of step " + views.batch().step());
        }

        /** The inputs of {@code views}' step: the same tensors, the weak unlabeled views left out. */
        public static StepInputs of(StepViews views) {
            int[] shape = views.unlabeledWeak().shape();
            shape[0] = 0;
            return new StepInputs(views.batch().step(), new StepViews(views.batch(), views.labeledWeak(), views.labeledLabels(),
                    Tensor.zeros(shape), views.unlabeledStrong()));
        }
    }

    /**
     * Compute shards {@code shards} of step {@code step} (at the parameters of version {@code step}), the
     * terms composed from that step's {@link StepInputs} and {@code predictions} (o, yhat) [B_u] (empty
     * for supervised).
     */
    public record ComputeLabelled(long step, PseudoLabels predictions, int[] shards) implements StepWork {
        public ComputeLabelled {
            shards = shards.clone();
        }

        @Override
        public int[] shards() {
            return shards.clone();
        }
    }

    /** SSMAE: compute these shards of step {@code step} ({@link SsmaeStep#shard(float[], SsmaeStep.ShardTerms)}). */
    public record ComputeSsmaeShards(long step, List<SsmaeStep.ShardTerms> shards) implements StepWork {
        public ComputeSsmaeShards {
            shards = List.copyOf(shards);
        }
    }

    public static Behavior<Command> create(RunContext run) {
        return create(run, null);
    }

    /**
     * A trainer that the run addresses as {@code addressedAs} (on a cluster: the chunked link on the
     * supervisor's node that stands in for it); null: its own ref. A restarted trainer announces itself
     * under that ref, so the parameters and the work come back the way they came.
     */
    public static Behavior<Command> create(RunContext run, org.apache.pekko.actor.typed.ActorRef<Command> addressedAs) {
        Incarnations incarnations = new Incarnations();
        return Behaviors.setup(ctx -> new StudentTrainer(ctx, run, incarnations.restarted(), addressedAs == null ? ctx.getSelf() : addressedAs));
    }

    private final RunContext run;
    private final ShardGradient shardGradient;   // null for SSMAE
    private final LossComposer composer;         // null for SSMAE
    private final LabelFreeStart headStart;      // null for SSMAE
    private final SsmaeStep ssmae;               // SSMAE's phase (5); null for the other methods
    private final CommitMirror mirror;           // null for SSMAE
    private final org.apache.pekko.actor.typed.ActorRef<Command> addressedAs;
    private final WorkForVersion pending = new WorkForVersion();
    private final InputsByStep inputs = new InputsByStep();
    private long version = -1;
    private float[] parameters;   // [P]
    private boolean notesLogged;  // the first note applied since θS with the moments came was logged

    private StudentTrainer(ActorContext<Command> ctx, RunContext run, boolean restarted, org.apache.pekko.actor.typed.ActorRef<Command> addressedAs) {
        super(ctx);
        this.run = run;
        boolean isSsmae = run.config().method() == Method.SSMAE;
        this.ssmae = isSsmae ? new SsmaeStep(run.config(), run.data(), run.options().ops()) : null;
        ImageClassifier replica = isSsmae ? null : run.config().model().create(run.options().ops(), run.config().seed());
        this.shardGradient = isSsmae ? null : new ShardGradient(replica, run.options().ops());
        this.composer = isSsmae ? null : MethodSetup.composer(run.config(), replica.numClasses());
        this.headStart = isSsmae ? null : new LabelFreeStart(shardGradient, composer, run.config().seed(), run.config().shards());
        this.mirror = isSsmae ? null : new CommitMirror(replica.parameters(), run.config().weightDecay(), run.config().clip());
        this.addressedAs = addressedAs;
        if (restarted) {   // a restart: parameters and the lost work come again
            run.topology().get().supervisor().tell(new LyapunovSupervisor.TrainerStarted(addressedAs));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StudentParams.class, m -> {
                    StepTimeline.mark(StepTimeline.Kind.PARAMS_IN, m.version());
                    if (mirror != null) mirror.forget();
                    return install(m.version(), m.parameters());
                })
                .onMessage(MirrorParams.class, m -> {
                    StepTimeline.mark(StepTimeline.Kind.PARAMS_IN, m.version());
                    if (mirror == null) return install(m.version(), m.parameters());
                    mirror.install(m.version(), m.parameters(), new org.semivim.engine.optim.AdamW.State(m.adamStep(), m.firstMoment(), m.secondMoment()));
                    notesLogged = false;
                    return install(mirror.version(), mirror.student());
                })
                .onMessage(CommitNote.class, this::onCommitNote)
                .onMessage(StepInputs.class, m -> {
                    StepTimeline.mark(StepTimeline.Kind.INPUTS_IN, m.step());
                    inputs.offer(m);
                    if (m.step() != version) return this;
                    computeHeld();
                    return beginLabelFree();
                })
                .onMessage(ComputeLabelled.class, this::onWork)
                .onMessage(ComputeSsmaeShards.class, this::onWork)
                .build();
    }

    /** θS of {@code v} is here: work held for it runs, and the head start of step v begins. */
    private Behavior<Command> install(long v, float[] p) {
        version = v;
        parameters = p;
        inputs.dropBefore(version);
        if (headStart != null) headStart.drop();
        computeHeld();
        return beginLabelFree();
    }

    /**
     * The supervisor committed the step whose summed gradient this trainer sent: θS of the note's
     * version from the mirror (the same bits as the supervisor's); if the mirror cannot apply it or the
     * digest differs, θS with the moments is asked for and no work runs until it is here.
     */
    private Behavior<Command> onCommitNote(CommitNote m) {
        StepTimeline.mark(StepTimeline.Kind.PARAMS_IN, m.version());
        CommitMirror.Outcome outcome = mirror == null ? CommitMirror.Outcome.CANNOT : mirror.apply(m);
        if (outcome == CommitMirror.Outcome.APPLIED) {
            if (!notesLogged) getContext().getLog().info("θS from commit notes from version {} on (mirroring the supervisor's AdamW commit)", m.version());
            notesLogged = true;
            return install(mirror.version(), mirror.student());
        }
        if (outcome == CommitMirror.Outcome.DIGEST_MISMATCH) {
            getContext().getLog().warn("θS of version {} mirrored from the commit note differs from the supervisor's (digest): asking for θS", m.version());
        } else {
            getContext().getLog().info("commit note of version {} cannot be applied here (at version {}): asking for θS", m.version(), version);
        }
        if (mirror != null) mirror.forget();
        version = -1;
        parameters = null;
        if (headStart != null) headStart.drop();
        run.topology().get().supervisor().tell(new LyapunovSupervisor.StudentWanted(addressedAs));
        return this;
    }

    private Behavior<Command> onWork(StepWork m) {
        StepTimeline.mark(StepTimeline.Kind.LABELS_IN, m.step());
        if (m.step() == version && ready(m)) {
            pending.take(version);   // anything held for this step is older (an earlier shard table)
            return compute(m);
        }
        pending.hold(m);   // the latest work of a step replaces an earlier one
        return this;
    }

    /** Computes the held work of the current version once its inputs are here too. */
    private Behavior<Command> computeHeld() {
        StepWork work = pending.take(version);
        if (work == null) return this;
        if (!ready(work)) {   // its views come later (a resend after a restart)
            pending.hold(work);
            return this;
        }
        return compute(work);
    }

    /**
     * With the parameters of version t and step t's inputs here and its labels not yet: the shards'
     * label-free terms ({@link LabelFreeStart}), so that less is left when the labels come.
     */
    private Behavior<Command> beginLabelFree() {
        if (headStart == null || headStart.begunFor(version) || parameters == null) return this;
        StepInputs in = inputs.get(version);
        if (in == null) return this;
        StepTimeline.mark(StepTimeline.Kind.HEAD_START_BEGIN, version);
        long t0 = System.nanoTime();
        headStart.begin(version, parameters, in.views());
        run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t0);
        StepTimeline.mark(StepTimeline.Kind.HEAD_START_END, version);
        return this;
    }

    /** Whether the inputs {@code work} is composed from are here (SSMAE's work carries its own). */
    private boolean ready(StepWork work) {
        return !(work instanceof ComputeLabelled) || inputs.get(work.step()) != null;
    }

    private Behavior<Command> compute(StepWork w) {
        var supervisor = run.topology().get().supervisor();
        if (w instanceof ComputeSsmaeShards work) {
            for (SsmaeStep.ShardTerms shard : work.shards()) {
                run.options().hooks().beforeShard(work.step(), shard.shard());
                long t0 = System.nanoTime();
                SsmaeStep.ShardResult r = ssmae.shard(parameters, shard);
                run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t0);
                StepTimeline.mark(StepTimeline.Kind.GRADIENT_SENT, work.step());
                supervisor.tell(new LyapunovSupervisor.ShardDone(work.step(), r.shard(), r.gradient(), new double[]{r.classificationLoss(), r.maeLoss()}));
            }
            return this;
        }
        ComputeLabelled work = (ComputeLabelled) w;
        var c = run.config();
        long t0 = System.nanoTime();
        List<ShardInput> all = ShardInput.split(c.seed(), work.step(), composer.compose(inputs.get(work.step()).views(), work.predictions()).terms(), c.shards());
        run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t0);
        // a trainer that holds every shard sums them itself (the supervisor's own code, so the same bits) and sends one [P]
        boolean whole = everyShardInOrder(work.shards(), all.size());
        headStart.expect(work.shards());
        List<float[]> gradients = new java.util.ArrayList<>();
        double[][] termLosses = new double[all.size()][];
        for (int s : work.shards()) {
            if (s < 0 || s >= all.size()) throw new IllegalArgumentException("step " + work.step() + ": shard " + s + " of " + all.size() + " asked");
            ShardInput shard = all.get(s);
            run.options().hooks().beforeShard(work.step(), shard.shard());
            long t1 = System.nanoTime();
            ShardGradient.Result r = shardGradient.compute(parameters, shard, headStart.take(work.step(), parameters, s));
            run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t1);
            if (!whole) {
                StepTimeline.mark(StepTimeline.Kind.GRADIENT_SENT, work.step());
                supervisor.tell(new LyapunovSupervisor.ShardDone(work.step(), shard.shard(), r.gradient(), r.termLosses()));
                continue;
            }
            gradients.add(r.gradient());
            termLosses[s] = r.termLosses();
        }
        headStart.finished(work.step());
        if (whole) {
            long t2 = System.nanoTime();
            float[] sum = ShardGradient.sumInShardOrder(gradients);
            mirror.keepGradient(work.step(), sum);   // for the commit note of the next version
            run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t2);
            StepTimeline.mark(StepTimeline.Kind.GRADIENT_SENT, work.step());
            supervisor.tell(new LyapunovSupervisor.StepGradientDone(work.step(), sum, termLosses));
        }
        return this;
    }

    /** Whether {@code shards} is 0, 1, …, count − 1 (this trainer holds every shard of the step), with count > 1. */
    static boolean everyShardInOrder(int[] shards, int count) {
        if (count < 2 || shards.length != count) return false;
        for (int i = 0; i < count; i++) if (shards[i] != i) return false;
        return true;
    }

    /**
     * Work that arrived before its parameters (a reordering, or the run going back to a checkpoint):
     * at most {@link #CAPACITY} steps, the lowest dropped first (a dropped step is sent again on reset).
     */
    static final class WorkForVersion {
        static final int CAPACITY = 4;
        private final TreeMap<Long, StepWork> byStep = new TreeMap<>();

        void hold(StepWork work) {
            byStep.put(work.step(), work);
            while (byStep.size() > CAPACITY) byStep.pollFirstEntry();
        }

        StepWork take(long version) {
            return byStep.remove(version);
        }

        int size() {
            return byStep.size();
        }
    }

    /**
     * The {@link StepInputs} of the coming steps, one per step (the first copy: a resend carries the same
     * bits), kept until the parameters move past their step. TeacherInference sends them for the steps
     * whose views it holds, at most lookahead + 1 past the committed version, so this stays that small.
     */
    static final class InputsByStep {
        private final TreeMap<Long, StepInputs> byStep = new TreeMap<>();

        void offer(StepInputs in) {
            byStep.putIfAbsent(in.step(), in);
        }

        StepInputs get(long step) {
            return byStep.get(step);
        }

        void dropBefore(long step) {
            byStep.headMap(step).clear();
        }

        int size() {
            return byStep.size();
        }
    }
}
