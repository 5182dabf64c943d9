package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;

import java.time.Duration;
import java.util.List;

/**
 * On a node with role trainer: registers with the Receptionist under {@link #KEY}, and when the run
 * (the {@link ClusterRunGuardian}, wherever the singleton lives) asks, spawns a {@link StudentTrainer}
 * for it and answers with its ref. A new request (the singleton restarted on another node) replaces
 * the previous trainer. The trainer needs only the config (to build its model replica) and the
 * supervisor's ref: its work and parameters arrive as messages.
 */
public final class TrainerHost {

    public sealed interface Command extends WireMessage permits HostTrainer {}

    /** Spawn a trainer for the run of {@code configJson} (canonical JSON) reporting to {@code supervisor}. */
    public record HostTrainer(String configJson, ActorRef<LyapunovSupervisor.Command> supervisor,
                              ActorRef<ClusterRunGuardian.Command> replyTo) implements Command {}

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "semivim-trainer-host");

    private TrainerHost() {}

    public static Behavior<Command> create(Ops ops) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            ActorRef<?>[] current = {null};
            int[] count = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(HostTrainer.class, m -> {
                        if (current[0] != null) ctx.stop(current[0]);
                        TrainConfig config = TrainConfig.fromJson(m.configJson());
                        RunTopology topology = new RunTopology();
                        topology.fill(new RunTopology.Peers(null, List.of(), null, List.of(), List.of(), m.supervisor()));
                        RunOptions options = RunOptions.defaults().withOps(ops);
                        RunContext run = new RunContext(config, null, options, topology);
                        Behavior<StudentTrainer.Command> trainer = Behaviors.supervise(StudentTrainer.create(run))
                                .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
                        ActorRef<StudentTrainer.Command> ref = ctx.spawn(trainer, "student-trainer-" + (count[0]++),
                                org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(RunGuardian.COMPUTE_DISPATCHER));
                        current[0] = ref;
                        m.replyTo().tell(new ClusterRunGuardian.TrainerHosted(ref));
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
