package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.ChunkSender;
import org.semivim.actors.transfer.TransferSettings;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * On a node with role trainer: registers with the Receptionist under {@link #KEY}, and when the run
 * (the {@link ClusterRunGuardian}, wherever the singleton lives) asks, spawns a {@link StudentTrainer}
 * for it with the two ends of its chunked links (θS and work come in through a {@link ChunkReceiver},
 * gradients go out through a {@link ChunkSender} to the supervisor node's receiver) and answers with
 * their refs. A new request (the singleton restarted on another node) replaces the previous trainer
 * and its links. The trainer needs only the config (to build its model replica): its work and
 * parameters arrive as messages.
 */
public final class TrainerHost {

    public sealed interface Command extends WireMessage permits HostTrainer {}

    /**
     * Spawn a trainer for the run of {@code configJson} (canonical JSON); its messages to the supervisor
     * go chunked to {@code supervisorInbox}, and the run addresses it as {@code addressedAs} (the link on
     * the supervisor's node).
     */
    public record HostTrainer(String configJson, ActorRef<ChunkReceiver.Command> supervisorInbox, ActorRef<StudentTrainer.Command> addressedAs,
                              ActorRef<ClusterRunGuardian.Command> replyTo) implements Command {}

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "semivim-trainer-host");

    private TrainerHost() {}

    public static Behavior<Command> create(Ops ops) {
        return create(ops, RunHooks.NONE);
    }

    /** A host whose trainers call {@code hooks} (tests: {@link RunHooks#beforeShard}). */
    public static Behavior<Command> create(Ops ops, RunHooks hooks) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            TransferSettings transfer = TransferSettings.of(ctx.getSystem().settings().config());
            List<ActorRef<?>> current = new ArrayList<>();
            int[] count = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(HostTrainer.class, m -> {
                        for (ActorRef<?> old : current) ctx.stop(old);
                        current.clear();
                        int k = count[0]++;
                        TrainConfig config = TrainConfig.fromJson(m.configJson());
                        ActorRef<Object> out = ctx.spawn(restarting(ChunkSender.create(transfer, m.supervisorInbox())), "trainer-out-" + k, TransferSettings.linkProps(ctx.getSystem()));
                        RunTopology topology = new RunTopology();
                        topology.fill(new RunTopology.Peers(null, List.of(), null, List.of(), List.of(), out.narrow()));
                        RunContext run = new RunContext(config, null, RunOptions.defaults().withOps(ops).withHooks(hooks), topology);
                        ActorRef<StudentTrainer.Command> trainer = ctx.spawn(restarting(StudentTrainer.create(run, m.addressedAs())),
                                "student-trainer-" + k, DispatcherSelector.fromConfig(RunGuardian.COMPUTE_DISPATCHER));
                        ActorRef<ChunkReceiver.Command> in = ctx.spawn(restarting(ChunkReceiver.create(trainer, transfer)), "trainer-in-" + k, TransferSettings.linkProps(ctx.getSystem()));
                        current.addAll(List.of(out, trainer, in));
                        m.replyTo().tell(new ClusterRunGuardian.TrainerHosted(trainer, in, m.addressedAs()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
