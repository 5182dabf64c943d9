package org.semivim.actors;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.ChunkSender;
import org.semivim.actors.transfer.TransferSettings;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * One run on a cluster (issue 6): the {@link RunGuardian}'s job with the trainers on other nodes. It
 * runs as the Cluster Singleton on a node with role supervisor and spawns there the DataLoader,
 * TeacherInference, the LyapunovSupervisor, the Checkpointer and the MetricsReporter. The
 * trainers are found through the Receptionist ({@link TrainerHost#KEY}, any node): each host is asked
 * for a trainer, the trainer is watched, and the shards are assigned to the trainers present
 * ({@link ShardAssignment}). When a trainer comes or goes (a node joins, leaves or is downed), the
 * table is recomputed and each trainer whose shards changed is announced to the supervisor as
 * {@link LyapunovSupervisor.TrainerStarted}: it gets θS again and TeacherInference re-sends the step in
 * hand with its new shards (duplicates are dropped by the supervisor's StepCollector). With no trainer
 * present the run waits. Tensors cross nodes chunked: for each trainer host the guardian spawns a
 * {@link ChunkSender} that stands in for the trainer (the supervisor and TeacherInference send θS and
 * work to it) and a {@link ChunkReceiver} that delivers the trainer's gradients to the supervisor; the
 * host spawns the other two ends (docs/cluster.md, "Large messages"). The augmenters are found the same
 * way on the nodes with role data ({@link AugmenterHost#KEY}; their views come chunked), with local ones
 * while there are none ({@link ClusterAugmenterPool}). TeacherInference runs on a node with role teacher
 * when one is present ({@link TeacherHost#KEY}, {@link ClusterTeacherPlacement}), else here; every actor
 * of the run reaches it through a {@link TeacherRelay}, and it gets the shard table as a message. A singleton that restarts on another node resumes from the newest checkpoint
 * in the run directory (shared storage), as a restarted one-JVM run does.
 */
public final class ClusterRunGuardian {

    /**
     * The guardian's protocol; the hosts' answers ({@link TrainerHosted}, {@link AugmentersHosted}, {@link TeacherHosted},
     * {@link ViewsLinkOpened}) cross nodes ({@link WireMessage}s), the rest are local adapters.
     */
    public sealed interface Command permits TrainerHosted, HostsChanged, Outcome, AugmentersHosted, AugmenterHostsChanged, TeacherHosted,
            TeacherHostsChanged, ViewsLinkOpened, NodeUp {}

    /**
     * From a {@link TrainerHost}: the trainer it spawned for this run, the receiving end of its link
     * ({@code inbox}), and the link on this node that stands in for it ({@code addressedAs}, as asked).
     */
    public record TrainerHosted(ActorRef<StudentTrainer.Command> trainer, ActorRef<ChunkReceiver.Command> inbox,
                                ActorRef<StudentTrainer.Command> addressedAs) implements Command, WireMessage {}

    /**
     * From an {@link AugmenterHost}: the augmenters it spawned for this run, whose views come through
     * {@code viewsInbox} (the link's receiving end on this node, as asked).
     */
    public record AugmentersHosted(List<ActorRef<Augmenter.Command>> augmenters, ActorRef<ChunkReceiver.Command> viewsInbox)
            implements Command, WireMessage {
        public AugmentersHosted {
            augmenters = List.copyOf(augmenters);
        }
    }

    /**
     * From a {@link TeacherHost}: the TeacherInference it spawned for this run and the receiving end of
     * its link ({@code inbox}); {@code standIn} is the link on this node that stands in for it, as asked.
     */
    public record TeacherHosted(ActorRef<TeacherInference.Command> teacher, ActorRef<ChunkReceiver.Command> inbox,
                                ActorRef<TeacherInference.Command> standIn) implements Command, WireMessage {}

    /**
     * From a {@link TeacherHost}: the views link asked for augmenter host {@code forHost} ends at
     * {@code inbox} on the teacher node (delivering to the TeacherInference that {@code standIn} stands in for).
     */
    public record ViewsLinkOpened(ActorRef<AugmenterHost.Command> forHost, ActorRef<ChunkReceiver.Command> inbox,
                                  ActorRef<TeacherInference.Command> standIn) implements Command, WireMessage {}

    /** The Receptionist's current set of teacher hosts (adapted, local). */
    record TeacherHostsChanged(Set<ActorRef<TeacherHost.Command>> hosts) implements Command {}

    /** The Receptionist's current set of augmenter hosts (adapted, local). */
    record AugmenterHostsChanged(Set<ActorRef<AugmenterHost.Command>> hosts) implements Command {}

    /** The two ends on this node of one trainer's links: {@code out} stands in for the trainer, {@code in} delivers to the supervisor. */
    private record Link(ActorRef<Object> out, ActorRef<ChunkReceiver.Command> in) {}

    /** The Receptionist's current set of trainer hosts (adapted, local). */
    record HostsChanged(Set<ActorRef<TrainerHost.Command>> hosts) implements Command {}

    /**
     * This node sees {@code node} Up (adapted from the cluster's MemberUp/MemberWeaklyUp, local); {@code again}:
     * the second look a moment later (for {@link ClusterDeathWatch}).
     */
    record NodeUp(Address node, boolean again) implements Command {}

    /** The supervisor's RunFinished/RunFailed (adapted, local). */
    record Outcome(RunGuardian.Command outcome) implements Command {}

    private ClusterRunGuardian() {}

    public static Behavior<Command> create(TrainConfig config, TrainingData data, RunOptions options, CompletableFuture<RunResult> result) {
        if (config.method() == Method.SSMAE) {
            throw new IllegalArgumentException("method ssmae is not run by the actor runtime yet: use org.semivim.training.ssmae.SsmaeTrainer");
        }
        return Behaviors.setup(ctx -> {
            TransferSettings transfer;
            try {
                transfer = TransferSettings.of(ctx.getSystem().settings().config());
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(new RunFailedException(e.getMessage(), e));
                return Behaviors.stopped();
            }
            RunTopology topology = new RunTopology();
            RunContext run = new RunContext(config, data, options, topology);
            DispatcherSelector compute = DispatcherSelector.fromConfig(RunGuardian.COMPUTE_DISPATCHER);
            var metrics = spawn(ctx, MetricsReporter.create(run), "metrics-reporter", DispatcherSelector.defaultDispatcher());
            var checkpointer = spawn(ctx, Checkpointer.create(run, metrics), "checkpointer", DispatcherSelector.defaultDispatcher());
            var loader = spawn(ctx, DataLoader.create(run), "data-loader", DispatcherSelector.defaultDispatcher());
            ActorRef<Object> relay = ctx.spawn(TeacherRelay.create(null), "teacher-relay");
            ActorRef<TeacherInference.Command> teacher = relay.narrow();   // every actor of the run addresses TeacherInference through the relay
            IntFunction<ActorRef<TeacherInference.Command>> spawnTeacher = k -> spawn(ctx, TeacherInference.create(run, loader, teacher, null),
                    "teacher-inference-" + k, compute);
            var firstTeacher = spawnTeacher.apply(0);
            relay.tell(new TeacherRelay.Route(firstTeacher));
            ActorRef<RunGuardian.Command> outcomes = ctx.messageAdapter(RunGuardian.Command.class, Outcome::new);
            var supervisor = spawn(ctx, LyapunovSupervisor.create(run, loader, checkpointer, metrics, outcomes), "lyapunov-supervisor", compute);
            String configJson = config.canonicalJson();
            var watches = new ClusterDeathWatch<Command>(ctx, NodeUp::new);   // watches of actors on a node seen Up only later are sent again
            var teachers = new ClusterTeacherPlacement(ctx, watches, loader, supervisor, transfer, configJson, spawnTeacher, relay, firstTeacher);
            var augmenters = new ClusterAugmenterPool(ctx, watches, loader, teacher, transfer, configJson, options.augmenters(),
                    k -> spawn(ctx, Augmenter.create(run, loader), "augmenter-" + k, compute));

            Map<String, ActorRef<StudentTrainer.Command>> trainers = new TreeMap<>();   // the trainers' links, by the trainers' actor paths
            Map<ActorRef<?>, Link> links = new HashMap<>();                             // by the link's out end
            Map<String, Link> linkOfTrainer = new HashMap<>();
            Map<ActorRef<TrainerHost.Command>, Link> linkOfHost = new HashMap<>();
            List<Map<String, int[]>> table = new ArrayList<>(List.of(Map.of()));   // the current assignment, in a cell
            Set<ActorRef<TrainerHost.Command>> asked = new HashSet<>();
            int[] linksSpawned = {0};
            Runnable publish = () -> {
                Map<String, int[]> next = ShardAssignment.assign(trainers.keySet(), config.shards());
                List<ActorRef<StudentTrainer.Command>> refs = new ArrayList<>();
                List<int[]> shards = new ArrayList<>();
                for (var e : next.entrySet()) {
                    refs.add(trainers.get(e.getKey()));
                    shards.add(e.getValue());
                }
                Set<String> changed = ShardAssignment.changed(table.get(0), next);
                table.set(0, next);
                var peers = new RunTopology.Peers(loader, augmenters.members(), teacher, refs, shards, supervisor);
                if (topology.ready()) topology.replace(peers);
                else topology.fill(peers);
                teachers.table(new TeacherInference.ShardTable(refs, shards));   // before TrainerStarted: the resend uses the new table
                for (String id : changed) supervisor.tell(new LyapunovSupervisor.TrainerStarted(trainers.get(id)));
                ctx.getLog().info("trainers {}: shards {}", next.keySet(), next.values().stream().map(java.util.Arrays::toString).toList());
            };
            publish.run();
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class,   // one adapter per class: all keys
                    l -> l.isForKey(AugmenterHost.KEY) ? new AugmenterHostsChanged(l.getServiceInstances(AugmenterHost.KEY))
                            : l.isForKey(TeacherHost.KEY) ? new TeacherHostsChanged(l.getServiceInstances(TeacherHost.KEY))
                            : new HostsChanged(l.getServiceInstances(TrainerHost.KEY)));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(TrainerHost.KEY, listings));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(AugmenterHost.KEY, listings));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(TeacherHost.KEY, listings));
            supervisor.tell(new LyapunovSupervisor.Begin());

            return Behaviors.<Command>receive(Command.class)
                    .onMessage(HostsChanged.class, m -> {
                        for (var host : m.hosts()) {
                            if (!asked.add(host)) continue;
                            int k = linksSpawned[0]++;
                            Link link = new Link(ctx.spawn(restarting(ChunkSender.create(transfer)), "link-out-" + k, TransferSettings.linkProps(ctx.getSystem())),
                                    ctx.spawn(restarting(ChunkReceiver.create(supervisor, transfer)), "link-in-" + k, TransferSettings.linkProps(ctx.getSystem())));
                            links.put(link.out(), link);
                            linkOfHost.put(host, link);
                            host.tell(new TrainerHost.HostTrainer(configJson, link.in(), link.out().narrow(), ctx.getSelf()));
                        }
                        asked.retainAll(m.hosts());
                        for (var it = linkOfHost.entrySet().iterator(); it.hasNext(); ) {   // a host gone before it answered: its links go
                            var e = it.next();
                            if (m.hosts().contains(e.getKey())) continue;
                            it.remove();
                            if (!linkOfTrainer.containsValue(e.getValue())) stop(ctx, links, e.getValue());
                        }
                        return Behaviors.same();
                    })
                    .onMessage(TrainerHosted.class, m -> {
                        Link link = links.get(m.addressedAs());
                        if (link == null) return Behaviors.same();   // an answer for links already given up
                        link.out().tell(new ChunkSender.Connect(m.inbox()));
                        watches.watch(m.trainer());
                        trainers.put(m.trainer().path().toString(), m.addressedAs());
                        linkOfTrainer.put(m.trainer().path().toString(), link);
                        publish.run();
                        return Behaviors.same();
                    })
                    .onMessage(NodeUp.class, m -> {
                        watches.nodeUp(m.node(), m.again());
                        return Behaviors.same();
                    })
                    .onMessage(AugmenterHostsChanged.class, m -> {
                        augmenters.hostsChanged(m.hosts());
                        return Behaviors.same();
                    })
                    .onMessage(TeacherHostsChanged.class, m -> {
                        teachers.hostsChanged(m.hosts());
                        return Behaviors.same();
                    })
                    .onMessage(TeacherHosted.class, m -> {
                        if (teachers.hosted(m)) augmenters.viewsMoved(teachers.remoteHost(), m.standIn());
                        return Behaviors.same();
                    })
                    .onMessage(ViewsLinkOpened.class, m -> {
                        augmenters.viewsLinkOpened(m);
                        return Behaviors.same();
                    })
                    .onMessage(AugmentersHosted.class, m -> {
                        if (augmenters.hosted(m)) publish.run();
                        return Behaviors.same();
                    })
                    .onMessage(Outcome.class, m -> {
                        if (m.outcome() instanceof RunGuardian.RunFinished f) result.complete(new RunResult(f.steps(), f.student(), f.teacher()));
                        else if (m.outcome() instanceof RunGuardian.RunFailed f) result.completeExceptionally(new RunFailedException(f.reason(), null));
                        return Behaviors.stopped();
                    })
                    .onSignal(ChildFailed.class, s -> {
                        result.completeExceptionally(new RunFailedException("actor " + s.getRef().path().name() + " failed "
                                + RunGuardian.MAX_RESTARTS + " times within a minute and stopped: " + s.getCause(), s.getCause()));
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, s -> {
                        watches.terminated(s.getRef());
                        if (trainers.remove(s.getRef().path().toString()) != null) {   // a trainer's node left or was downed
                            ctx.getLog().info("trainer {} is gone; re-assigning its shards", s.getRef().path());
                            stop(ctx, links, linkOfTrainer.remove(s.getRef().path().toString()));
                            publish.run();
                            return Behaviors.same();
                        }
                        if (augmenters.terminated(s.getRef()) != ClusterAugmenterPool.Gone.NOT_A_MEMBER) {
                            publish.run();
                            return Behaviors.same();
                        }
                        ClusterTeacherPlacement.Gone teacherGone = teachers.terminated(s.getRef());
                        if (teacherGone == ClusterTeacherPlacement.Gone.REMOTE) augmenters.viewsMoved(null, null);   // back on this node
                        if (teacherGone != ClusterTeacherPlacement.Gone.NOT_A_MEMBER) return Behaviors.same();
                        result.completeExceptionally(new RunFailedException("actor " + s.getRef().path().name() + " stopped", null));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    private static void stop(ActorContext<Command> ctx, Map<ActorRef<?>, Link> links, Link link) {
        if (link == null || links.remove(link.out()) == null) return;
        ctx.stop(link.out());
        ctx.stop(link.in());
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }

    private static <T> ActorRef<T> spawn(ActorContext<Command> ctx, Behavior<T> behavior, String name, DispatcherSelector dispatcher) {
        Behavior<T> supervised = Behaviors.supervise(behavior)
                .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
        ActorRef<T> ref = ctx.spawn(supervised, name, dispatcher);
        ctx.watch(ref);
        return ref;
    }
}
