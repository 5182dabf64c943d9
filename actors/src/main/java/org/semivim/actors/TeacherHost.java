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
 * On a node with role teacher: registers with the Receptionist under {@link #KEY}, and when the run
 * (the {@link ClusterRunGuardian}, wherever the singleton lives) asks, spawns a {@link TeacherInference}
 * for it with the two ends of its chunked links: its parameters, views, shard tables and requests come
 * in through a {@link ChunkReceiver} ({@code teacher-in-k}); its step plans and the trainers' work go
 * out as {@link TeacherOutbox.Forward}s through a {@link ChunkSender} ({@code teacher-out-k}) to the
 * receiver on the run's node, which delivers to the run's forwarder. It builds its model replica from
 * the config; the run addresses it as {@code addressedAs} (the run's {@link TeacherRelay}). A new
 * request (the singleton restarted, or it placed TeacherInference here again) replaces the previous
 * TeacherInference and its links. The data nodes' views links end here too: for each augmenter host the
 * run asks ({@link OpenViewsLink}), a receiver delivering to TeacherInference. The receivers here are large-message destinations
 * ({@link #LARGE_MESSAGE_DESTINATION}).
 */
public final class TeacherHost {

    public sealed interface Command extends WireMessage permits HostTeacher, OpenViewsLink {}

    /**
     * Spawn TeacherInference for the run of {@code configJson} (canonical JSON): its outbox goes chunked
     * to {@code runInbox} (on the run's node, delivering to the forwarder); it tells {@code loader} where
     * the run is and {@code supervisor} when it restarts; the run addresses it as {@code addressedAs}.
     * {@code standIn} (the link on the run's node that stands in for it) identifies the request in the answer.
     */
    public record HostTeacher(String configJson, ActorRef<DataLoader.Command> loader, ActorRef<LyapunovSupervisor.Command> supervisor,
                              ActorRef<ChunkReceiver.Command> runInbox, ActorRef<TeacherInference.Command> addressedAs,
                              ActorRef<TeacherInference.Command> standIn, ActorRef<ClusterRunGuardian.Command> replyTo) implements Command {}

    /**
     * Spawn the receiving end of a views link for the augmenters of {@code forHost}, delivering to the
     * TeacherInference that {@code standIn} stands in for (ignored when that is no longer this host's).
     */
    public record OpenViewsLink(ActorRef<AugmenterHost.Command> forHost, ActorRef<TeacherInference.Command> standIn,
                                ActorRef<ClusterRunGuardian.Command> replyTo) implements Command {}

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "semivim-teacher-host");

    /** Where the host's receivers live: this path must be among Artery's large-message destinations. */
    public static final String LARGE_MESSAGE_DESTINATION = "/user/teacher-host/*";

    /** The TeacherInference spawned for the request whose stand-in is {@code standIn}. */
    private record Hosted(ActorRef<TeacherInference.Command> standIn, ActorRef<TeacherInference.Command> teacher) {}

    private TeacherHost() {}

    /** A host whose TeacherInference computes with {@code ops}; {@code hooks} are handed to it (tests; {@link RunHooks#NONE}). */
    public static Behavior<Command> create(Ops ops, RunHooks hooks) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            TransferSettings transfer = TransferSettings.of(ctx.getSystem().settings().config());
            List<ActorRef<?>> current = new ArrayList<>();
            int[] count = {0};
            int[] viewsLinks = {0};
            Hosted[] hosted = {null};   // the current request's TeacherInference, when there is one
            return Behaviors.receive(Command.class)
                    .onMessage(HostTeacher.class, m -> {
                        for (ActorRef<?> old : current) ctx.stop(old);
                        current.clear();
                        int k = count[0]++;
                        TrainConfig config = TrainConfig.fromJson(m.configJson());
                        ActorRef<Object> out = ctx.spawn(restarting(ChunkSender.create(transfer, m.runInbox())), "teacher-out-" + k, TransferSettings.linkProps(ctx.getSystem()));
                        RunTopology topology = new RunTopology();
                        topology.fill(new RunTopology.Peers(m.loader(), List.of(), m.addressedAs(), List.of(), List.of(), m.supervisor()));
                        RunContext run = new RunContext(config, null, RunOptions.defaults().withOps(ops).withHooks(hooks), topology);
                        ActorRef<TeacherInference.Command> teacher = ctx.spawn(restarting(TeacherInference.create(run, m.loader(), m.addressedAs(), out)),
                                "teacher-inference-" + k, DispatcherSelector.fromConfig(RunGuardian.COMPUTE_DISPATCHER));
                        ActorRef<ChunkReceiver.Command> in = ctx.spawn(restarting(ChunkReceiver.create(teacher, transfer)), "teacher-in-" + k, TransferSettings.linkProps(ctx.getSystem()));
                        current.addAll(List.of(out, teacher, in));
                        hosted[0] = new Hosted(m.standIn(), teacher);
                        m.replyTo().tell(new ClusterRunGuardian.TeacherHosted(teacher, in, m.standIn()));
                        return Behaviors.same();
                    })
                    .onMessage(OpenViewsLink.class, m -> {
                        if (hosted[0] == null || !hosted[0].standIn().equals(m.standIn())) return Behaviors.same();   // for one replaced since
                        ActorRef<ChunkReceiver.Command> in = ctx.spawn(restarting(ChunkReceiver.create(hosted[0].teacher(), transfer)),
                                "views-in-" + (count[0] - 1) + "-" + viewsLinks[0]++, TransferSettings.linkProps(ctx.getSystem()));
                        current.add(in);
                        m.replyTo().tell(new ClusterRunGuardian.ViewsLinkOpened(m.forHost(), in, m.standIn()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
