package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.data.sampling.BatchAssembler;
import org.semivim.data.sampling.BatchPlan;
import org.semivim.data.sampling.StepBatch;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.UpdatePhase;


/**
 * Phase (6) and the run's memory: holds the master θS, θT, AdamW state and the method's update state
 * ({@link MasterState}; LyapEMA's s, λ, V_prev, γ). For step t it collects the plan and the S shard
 * gradients ({@link StepCollector}: each once, in shard order), runs the training module's {@link
 * UpdatePhase} (clip, Adam moments once, the method's update: for LyapEMA the pure decision
 * {@code LyapEmaUpdate.decide} with its halve-the-lr-and-raise-λ retry from the saved state), commits,
 * sends the record to the MetricsReporter, the new θS to the trainers and the new pseudo-labelling
 * parameters to TeacherInference, slides the DataLoader's window, and every k steps (and at the end)
 * sends the Checkpointer the state to write (it syncs the metrics log first).
 *
 * <p>On start and on a restart it asks the Checkpointer for the newest state (none: the seed's
 * initialisation) and broadcasts it with {@code reset}, so the pipeline starts over from there.
 *
 * <p>SSMAE: the master is an {@link SsmaeMaster} (θ, AdamW, the gate and the Chronicle pseudo-label memory,
 * whose only writer this actor is); the step comes as an {@link SsmaeStepPlan} plus the S shard results and
 * is committed by {@code SsmaeTrainer.commit}; each broadcast sends TeacherInference the memory view of the
 * version before its parameters.
 */
public final class LyapunovSupervisor extends AbstractBehavior<LyapunovSupervisor.Command> {

    public sealed interface Command extends WireMessage
            permits Begin, StepPlan, ShardDone, StepGradientDone, TrainerStarted, StudentWanted, TeacherStarted, StateLoaded, MetricsSynced, CheckpointSaved, SsmaeStepPlan,
            StopAfterCommit {}

    /** From the guardian once every actor exists: load the state and start. */
    public record Begin() implements Command {}

    /**
     * What TeacherInference decided for step {@code step}: the samples, the pseudo-labels, the mask
     * [B_u], and per loss term its kind code and weight (the shards' term losses come in this order).
     */
    public record StepPlan(long step, StepBatch batch, PseudoLabels predictions, boolean[] mask, int[] termKinds, float[] termWeights)
            implements Command {}

    /** SSMAE: what TeacherInference decided for step {@code plan.step()} (gate, admission, weak argmax), committed by {@link SsmaeMaster}. */
    public record SsmaeStepPlan(SsmaeStep.Plan plan) implements Command {}

    /** Shard {@code shard}'s gradient [P] at step {@code step} and its unweighted term loss shares. */
    public record ShardDone(long step, int shard, float[] gradient, double[] termLosses) implements Command {}

    /**
     * Every shard of step {@code step} computed by one trainer: Σ_s g_s [P] summed in shard order with
     * {@link org.semivim.training.step.ShardGradient#sumInShardOrder} (the bits the supervisor's own sum of
     * the S {@link ShardDone}s gives), and {@code termLosses[s]} shard s's unweighted term loss shares. One
     * message instead of S: a trainer node that holds every shard sends one gradient per step across.
     */
    public record StepGradientDone(long step, float[] gradient, double[][] termLosses) implements Command {}

    /** A trainer (re)started: send it the parameters, and have its work sent again. */
    public record TrainerStarted(ActorRef<StudentTrainer.Command> trainer) implements Command {}

    /**
     * A trainer could not apply a {@link StudentTrainer.CommitNote} (it lacks the AdamW state or the step's
     * gradient, or θS's digest differed): send it θS (with the AdamW state when the run's commits can be mirrored).
     */
    public record StudentWanted(ActorRef<StudentTrainer.Command> trainer) implements Command {}

    /** TeacherInference restarted: send it the parameters with reset. */
    public record TeacherStarted(ActorRef<TeacherInference.Command> teacher) implements Command {}

    /**
     * From the guardian (a stop request): commit the step in progress, checkpoint it, and end the run
     * there ({@code RunFinished} with {@code stopped}); later steps are not committed.
     */
    public record StopAfterCommit() implements Command {}

    private record StateLoaded(Checkpointer.Latest latest) implements Command {}

    private record MetricsSynced(MetricsReporter.Synced synced) implements Command {}

    private record CheckpointSaved(Checkpointer.Saved saved) implements Command {}

    public static Behavior<Command> create(RunContext run, ActorRef<DataLoader.Command> loader, ActorRef<Checkpointer.Command> checkpointer,
                                           ActorRef<MetricsReporter.Command> metrics, ActorRef<RunGuardian.Command> guardian) {
        Incarnations incarnations = new Incarnations();
        return Behaviors.setup(ctx -> new LyapunovSupervisor(ctx, run, loader, checkpointer, metrics, guardian, incarnations.restarted()));
    }

    private final RunContext run;
    private final TrainConfig config;
    private final ActorRef<DataLoader.Command> loader;
    private final ActorRef<Checkpointer.Command> checkpointer;
    private final ActorRef<MetricsReporter.Command> metrics;
    private final ActorRef<RunGuardian.Command> guardian;
    private final ActorRef<Checkpointer.Latest> latestAdapter;
    private final ActorRef<MetricsReporter.Synced> syncedAdapter;
    private final ActorRef<Checkpointer.Saved> savedAdapter;
    private final BatchAssembler epochs;                                  // for the record's labeled epoch only
    private boolean begun, finishing, finalCheckpoint, stopRequested, stopped;
    private long endStep = -1;                                            // the step the run ends at, once finishing
    private Master master;                                                // null until the state is loaded; SsmaeMaster for SSMAE
    private StepCollector collector;
    private float[] studentSent, labelSourceSent;                         // [P] what was last broadcast (read-only)
    private boolean mirrorable;                                           // a trainer can mirror the commits (CommitNotes.mirrorable)

    private LyapunovSupervisor(ActorContext<Command> ctx, RunContext run, ActorRef<DataLoader.Command> loader,
                               ActorRef<Checkpointer.Command> checkpointer, ActorRef<MetricsReporter.Command> metrics,
                               ActorRef<RunGuardian.Command> guardian, boolean restarted) {
        super(ctx);
        this.run = run;
        this.config = run.config();
        this.loader = loader;
        this.checkpointer = checkpointer;
        this.metrics = metrics;
        this.guardian = guardian;
        this.latestAdapter = ctx.messageAdapter(Checkpointer.Latest.class, StateLoaded::new);
        this.syncedAdapter = ctx.messageAdapter(MetricsReporter.Synced.class, MetricsSynced::new);
        this.savedAdapter = ctx.messageAdapter(Checkpointer.Saved.class, CheckpointSaved::new);
        this.epochs = BatchAssembler.forSplit(new BatchPlan(config.labeledBatch(), config.muRatio(), config.shards()), run.data().split(), config.seed());
        if (restarted) begin();   // a restart: go back to the last checkpoint
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Begin.class, m -> begin())
                .onMessage(StateLoaded.class, this::onLoaded)
                .onMessage(StepPlan.class, m -> master != null && collector.offer(m) ? tryCommit() : this)
                .onMessage(SsmaeStepPlan.class, m -> master != null && collector.offer(m) ? tryCommit() : this)
                .onMessage(ShardDone.class, m -> {
                    StepTimeline.mark(StepTimeline.Kind.GRADIENT_IN, m.step());
                    return master != null && collector.offer(m) ? tryCommit() : this;
                })
                .onMessage(StepGradientDone.class, m -> {
                    StepTimeline.mark(StepTimeline.Kind.GRADIENT_IN, m.step());
                    return master != null && collector.offer(m) ? tryCommit() : this;
                })
                .onMessage(TrainerStarted.class, this::onTrainerStarted)
                .onMessage(StudentWanted.class, m -> {
                    if (master != null) m.trainer().tell(studentFor(CommitNotes.decide(mirrorable, run.topology().get().trainers().size(), false, false), null));
                    return this;
                })
                .onMessage(TeacherStarted.class, this::onTeacherStarted)
                .onMessage(MetricsSynced.class, this::onSynced)
                .onMessage(CheckpointSaved.class, this::onSaved)
                .onMessage(StopAfterCommit.class, m -> onStopRequest())
                .onSignal(PreRestart.class, s -> closeMaster())
                .onSignal(PostStop.class, s -> closeMaster())
                .build();
    }

    /** The SSMAE master holds the memory's file: closed before a restart builds a new one, and when the run stops. */
    private Behavior<Command> closeMaster() {
        if (master != null) master.close();
        master = null;
        return this;
    }

    private Behavior<Command> begin() {
        if (!begun) {
            begun = true;
            checkpointer.tell(new Checkpointer.LoadLatest(latestAdapter));
        }
        return this;
    }

    private Behavior<Command> onLoaded(StateLoaded m) {
        if (master != null) return this;
        if (m.latest().error() != null) return fail(m.latest().error());
        Master state = config.method() == Method.SSMAE ? new SsmaeMaster(config, run.data(), run.options())
                : new MasterState(config, run.options().ops(), run.options().start());
        TrainState saved = m.latest().state();
        if (saved != null) {
            try {
                state.restore(saved);
            } catch (IllegalArgumentException e) {
                state.close();
                return fail("cannot resume from the checkpoint of step " + saved.step() + ": " + e.getMessage());
            }
            getContext().getLog().info("resuming from the checkpoint of step {}", saved.step());
        }
        master = state;
        mirrorable = master instanceof MasterState && CommitNotes.mirrorable(config.method(), run.options().start().frozen(),
                org.semivim.training.update.UpdateBackends.of(run.options().ops()).name(), config.shards());
        collector = new StepCollector(master.committed(), config.shards());
        broadcast(true, false, null);
        if (master.committed() >= config.steps()) {
            evaluateIfDue();   // a finished run resumed: the final evaluation runs again, as in the reference runtime
            finish();
        }
        else if (stopRequested) stopAt(false, saved != null && saved.step() == master.committed());
        return this;
    }

    private Behavior<Command> tryCommit() {
        if (finishing || !collector.complete()) return this;   // finishing: a stop request ended the run at the last commit
        long t = collector.step();
        run.options().hooks().beforeCommit(t);
        long t0 = System.nanoTime();
        StepRecord record;
        UpdatePhase.Outcome outcome = null;
        boolean whole = collector.cameWhole();
        if (master instanceof SsmaeMaster ssmae) {
            record = ssmae.commit(collector.ssmaePlan(), collector.ssmaeShards());
        } else {
            MasterState lyap = (MasterState) master;
            StepCollector.Losses losses = collector.losses();
            outcome = lyap.apply(collector.gradient(), losses.loss());
            StepPlan plan = collector.plan();
            record = StepRecords.of(t, epochs.labeledEpoch(t), run.data().train(), plan.batch(), plan.predictions(), plan.mask(), losses, outcome);
        }
        metrics.tell(new MetricsReporter.Report(record));
        long v = master.committed();
        evaluateIfDue();
        collector = new StepCollector(v, config.shards());
        StepTimeline.mark(StepTimeline.Kind.COMMITTED, t);
        broadcast(false, whole, outcome);
        run.options().gauges().worked(FlowGauges.Work.UPDATE, System.nanoTime() - t0);
        boolean saved = checkpointDue(v);
        if (saved) {
            checkpointer.tell(new Checkpointer.Save(master.snapshot(), savedAdapter));
            if (v == config.steps()) finalCheckpoint = true;
        }
        if (v >= config.steps()) finish();
        else if (stopRequested) stopAt(saved, false);
        return this;
    }

    /** With periodic evaluation: θS, θT of the committed version to the MetricsReporter (after the step's record) when the loop evaluates there. */
    private void evaluateIfDue() {
        long v = master.committed();
        if (EvaluationLog.enabled(run) && EvaluationLog.due(config, v)) {
            metrics.tell(new MetricsReporter.Evaluate(v, master.student(), master.teacher()));
        }
    }

    /**
     * θS to the trainers first (or only how the step was committed, {@link CommitNotes#decide}), then the
     * pseudo-labelling parameters to TeacherInference, then the window. {@code whole}: the step's gradient
     * came as one {@link StepGradientDone}; {@code outcome}: the commit's (null on a reset or for SSMAE).
     */
    private void broadcast(boolean reset, boolean whole, UpdatePhase.Outcome outcome) {
        studentSent = master.student();
        labelSourceSent = config.method().pseudoLabelsFromTeacher() ? master.teacher() : studentSent;
        RunTopology.Peers peers = run.topology().get();
        CommitNotes.Send send = CommitNotes.decide(mirrorable, peers.trainers().size(), !reset && outcome != null, whole);
        StudentTrainer.Command student = studentFor(send, outcome);
        for (ActorRef<StudentTrainer.Command> trainer : peers.trainers()) trainer.tell(student);
        if (master instanceof SsmaeMaster ssmae) peers.teacher().tell(ssmae.view(reset));   // before the parameters of its version
        peers.teacher().tell(new TeacherInference.LabelParams(master.committed(), labelSourceSent, reset));
        loader.tell(new DataLoader.Committed(master.committed()));
    }

    /** The message that gives a trainer θS of the committed version, as {@code send} says ({@code outcome}: the commit's, for a note). */
    private StudentTrainer.Command studentFor(CommitNotes.Send send, UpdatePhase.Outcome outcome) {
        long v = master.committed();
        return switch (send) {
            case NOTE -> new StudentTrainer.CommitNote(v, outcome.skipped(), outcome.lr(), CommitNotes.digest(studentSent));
            case PARAMS_WITH_MOMENTS -> {
                org.semivim.engine.optim.AdamW.State adam = ((MasterState) master).optimizerState();
                yield new StudentTrainer.MirrorParams(v, studentSent, adam.step(), adam.firstMoment(), adam.secondMoment());
            }
            case PARAMS -> new StudentTrainer.StudentParams(v, studentSent);
        };
    }

    private Behavior<Command> onTrainerStarted(TrainerStarted m) {
        if (master == null) return this;   // the first broadcast reaches it
        m.trainer().tell(studentFor(CommitNotes.decide(mirrorable, run.topology().get().trainers().size(), false, false), null));
        run.topology().get().teacher().tell(new TeacherInference.ResendShards(m.trainer()));
        return this;
    }

    private Behavior<Command> onTeacherStarted(TeacherStarted m) {
        if (master == null) return this;
        if (master instanceof SsmaeMaster ssmae) m.teacher().tell(ssmae.view(true));
        m.teacher().tell(new TeacherInference.LabelParams(master.committed(), labelSourceSent, true));
        return this;
    }

    private boolean checkpointDue(long committed) {
        long every = run.options().checkpointEvery();
        boolean periodic = every > 0 && committed % every == 0;
        boolean last = committed == config.steps() && run.options().runDirectory() != null;
        return periodic || last;
    }

    /** All steps are committed: report once the final checkpoint is written (records synced first), or without one the records synced. */
    private void finish() {
        finishing = true;
        endStep = config.steps();
        if (!finalCheckpoint) metrics.tell(new MetricsReporter.Sync(endStep, syncedAdapter));
    }

    /** A stop request: the run ends at the committed version; it is checkpointed unless a checkpoint of it exists or is on its way. */
    private Behavior<Command> onStopRequest() {
        if (finishing || stopRequested) return this;
        stopRequested = true;
        getContext().getLog().info("stop requested: the run ends after the step in progress, with a checkpoint");
        return this;   // the next commit (or the state load) ends the run
    }

    /**
     * Ends the run at the committed version: once its checkpoint is written, or (one loaded from disk)
     * once the records are synced.
     *
     * @param savePending the checkpoint of the committed version has just been asked for
     * @param onDisk      the state was loaded from the checkpoint of the committed version
     */
    private void stopAt(boolean savePending, boolean onDisk) {
        finishing = true;
        stopped = true;
        endStep = master.committed();
        finalCheckpoint = !onDisk;
        if (onDisk) metrics.tell(new MetricsReporter.Sync(endStep, syncedAdapter));
        else if (!savePending) checkpointer.tell(new Checkpointer.Save(master.snapshot(), savedAdapter));
    }

    private Behavior<Command> onSynced(MetricsSynced m) {
        if (finishing && !finalCheckpoint && m.synced().committed() == endStep) done();
        return this;
    }

    private Behavior<Command> onSaved(CheckpointSaved m) {
        Checkpointer.Saved s = m.saved();
        if (s.error() != null) {
            if (finishing && s.step() == endStep) return fail(s.error());
            getContext().getLog().warn("{} (the run goes on; a resume falls back to an older checkpoint)", s.error());
        }
        if (finishing && s.step() == endStep) done();
        return this;
    }

    private void done() {
        guardian.tell(new RunGuardian.RunFinished(master.committed(), master.student(), master.teacher(), stopped));
    }

    private Behavior<Command> fail(String reason) {
        guardian.tell(new RunGuardian.RunFailed(reason));
        return this;
    }
}
