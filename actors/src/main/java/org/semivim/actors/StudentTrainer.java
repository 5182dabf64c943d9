package org.semivim.actors;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.training.config.Method;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;

import java.util.List;
import java.util.TreeMap;

/**
 * Phase (5): the gradients of the shards this trainer owns ({@link ShardGradient#compute} on its own
 * replica), at the student parameters after t committed steps. Work for step t waits until those
 * parameters are here ({@link WorkForVersion}); each shard's gradient goes to the supervisor as a
 * {@link LyapunovSupervisor.ShardDone}. Stateless between steps apart from the parameters; after a
 * restart it asks the supervisor for them and TeacherInference for its work again.
 */
public final class StudentTrainer extends AbstractBehavior<StudentTrainer.Command> {

    public sealed interface Command extends WireMessage permits StudentParams, StepWork {}

    /** Work on the shards of one step, done at the parameters of version {@code step()}. */
    public sealed interface StepWork extends Command permits ComputeShards, ComputeSsmaeShards {
        long step();
    }

    /** θS [P] after {@code version} committed steps. */
    public record StudentParams(long version, float[] parameters) implements Command {}

    /** Compute these shards of step {@code step} (at the parameters of version {@code step}). */
    public record ComputeShards(long step, List<ShardInput> shards) implements StepWork {}

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
    private final SsmaeStep ssmae;               // SSMAE's phase (5); null for the other methods
    private final WorkForVersion pending = new WorkForVersion();
    private long version = -1;
    private float[] parameters;   // [P]

    private StudentTrainer(ActorContext<Command> ctx, RunContext run, boolean restarted, org.apache.pekko.actor.typed.ActorRef<Command> addressedAs) {
        super(ctx);
        this.run = run;
        boolean isSsmae = run.config().method() == Method.SSMAE;
        this.ssmae = isSsmae ? new SsmaeStep(run.config(), run.data(), run.options().ops()) : null;
        this.shardGradient = isSsmae ? null
                : new ShardGradient(run.config().model().create(run.options().ops(), run.config().seed()), run.options().ops());
        if (restarted) {   // a restart: parameters and the lost work come again
            run.topology().get().supervisor().tell(new LyapunovSupervisor.TrainerStarted(addressedAs));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StudentParams.class, m -> {
                    version = m.version();
                    parameters = m.parameters();
                    StepWork work = pending.take(version);
                    return work == null ? this : compute(work);
                })
                .onMessage(ComputeShards.class, this::onWork)
                .onMessage(ComputeSsmaeShards.class, this::onWork)
                .build();
    }

    private Behavior<Command> onWork(StepWork m) {
        if (m.step() == version) return compute(m);
        pending.hold(m);
        return this;
    }

    private Behavior<Command> compute(StepWork w) {
        var supervisor = run.topology().get().supervisor();
        if (w instanceof ComputeSsmaeShards work) {
            for (SsmaeStep.ShardTerms shard : work.shards()) {
                run.options().hooks().beforeShard(work.step(), shard.shard());
                long t0 = System.nanoTime();
                SsmaeStep.ShardResult r = ssmae.shard(parameters, shard);
                run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t0);
                supervisor.tell(new LyapunovSupervisor.ShardDone(work.step(), r.shard(), r.gradient(), new double[]{r.classificationLoss(), r.maeLoss()}));
            }
            return this;
        }
        ComputeShards work = (ComputeShards) w;
        for (ShardInput shard : work.shards()) {
            run.options().hooks().beforeShard(work.step(), shard.shard());
            long t0 = System.nanoTime();
            ShardGradient.Result r = shardGradient.compute(parameters, shard);
            run.options().gauges().worked(FlowGauges.Work.SHARDS, System.nanoTime() - t0);
            supervisor.tell(new LyapunovSupervisor.ShardDone(work.step(), shard.shard(), r.gradient(), r.termLosses()));
        }
        return this;
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
}
