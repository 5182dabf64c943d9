package org.semivim.actors;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
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

    public sealed interface Command extends WireMessage permits StudentParams, ComputeShards {}

    /** θS [P] after {@code version} committed steps. */
    public record StudentParams(long version, float[] parameters) implements Command {}

    /** Compute these shards of step {@code step} (at the parameters of version {@code step}). */
    public record ComputeShards(long step, List<ShardInput> shards) implements Command {}

    public static Behavior<Command> create(RunContext run) {
        Incarnations incarnations = new Incarnations();
        return Behaviors.setup(ctx -> new StudentTrainer(ctx, run, incarnations.restarted()));
    }

    private final RunContext run;
    private final ShardGradient shardGradient;
    private final WorkForVersion pending = new WorkForVersion();
    private long version = -1;
    private float[] parameters;   // [P]

    private StudentTrainer(ActorContext<Command> ctx, RunContext run, boolean restarted) {
        super(ctx);
        this.run = run;
        this.shardGradient = new ShardGradient(run.config().model().create(run.options().ops(), run.config().seed()), run.options().ops());
        if (restarted) {   // a restart: parameters and the lost work come again
            run.topology().get().supervisor().tell(new LyapunovSupervisor.TrainerStarted(ctx.getSelf()));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StudentParams.class, m -> {
                    version = m.version();
                    parameters = m.parameters();
                    ComputeShards work = pending.take(version);
                    return work == null ? this : compute(work);
                })
                .onMessage(ComputeShards.class, m -> {
                    if (m.step() == version) return compute(m);
                    pending.hold(m);
                    return this;
                })
                .build();
    }

    private Behavior<Command> compute(ComputeShards work) {
        var supervisor = run.topology().get().supervisor();
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
        private final TreeMap<Long, ComputeShards> byStep = new TreeMap<>();

        void hold(ComputeShards work) {
            byStep.put(work.step(), work);
            while (byStep.size() > CAPACITY) byStep.pollFirstEntry();
        }

        ComputeShards take(long version) {
            return byStep.remove(version);
        }

        int size() {
            return byStep.size();
        }
    }
}
