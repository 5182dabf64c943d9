package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.ChunkSender;
import org.semivim.actors.transfer.TransferSettings;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The {@link ClusterRunGuardian}'s TeacherInference placement (not an actor: state the guardian keeps
 * and changes while it handles a message). The run addresses TeacherInference through a
 * {@link TeacherRelay}; it routes to a local TeacherInference until a teacher node's {@link TeacherHost}
 * (found through the Receptionist, chosen by {@link TeacherPlacement}) has spawned one, then to a
 * {@link ChunkSender} ({@code link-out-teacher-k}) whose receiver is on the teacher node; what that
 * TeacherInference sends comes back through {@code link-in-teacher-k} to the run's
 * {@link TeacherOutbox#forwarder}. Each move (to the teacher node, or back to a local one when the
 * remote TeacherInference is gone: its node left or was downed, or it stopped for good while its node
 * stays up, seen through {@link ClusterDeathWatch}) sends the new one the shard table and
 * tells the supervisor {@link LyapunovSupervisor.TeacherStarted}: it resends the parameters of the
 * committed version with reset, the new TeacherInference asks the DataLoader to hand every step from
 * there out again, and the supervisor keeps the first copy of a step's plan and gradients, so a move
 * changes no bit and commits no step twice.
 */
final class ClusterTeacherPlacement {

    /** What a terminated actor was to the placement. */
    enum Gone { REMOTE, RETIRED, NOT_A_MEMBER }

    private record Link(ActorRef<TeacherHost.Command> host, ActorRef<Object> out, ActorRef<ChunkReceiver.Command> in) {}

    private final ActorContext<ClusterRunGuardian.Command> ctx;
    private final ClusterDeathWatch<ClusterRunGuardian.Command> watches;
    private final ActorRef<Object> relay;
    private final ActorRef<TeacherOutbox.Forward> forwarder;
    private final ActorRef<DataLoader.Command> loader;
    private final ActorRef<LyapunovSupervisor.Command> supervisor;
    private final TransferSettings transfer;
    private final String configJson;
    private final IntFunction<ActorRef<TeacherInference.Command>> spawnLocal;   // spawns (and watches) local TeacherInference number k
    private final Set<ActorRef<?>> retiring = new HashSet<>();
    private final Set<String> failed = new HashSet<>();                       // hosts whose TeacherInference died, by id
    private Set<ActorRef<TeacherHost.Command>> hosts = Set.of();
    private ActorRef<TeacherInference.Command> local;                         // null while a teacher node has it
    private Link pending;                                                     // asked, not answered yet
    private Link remote;                                                      // the teacher node's links, while it has it
    private ActorRef<TeacherInference.Command> remoteTeacher;
    private TeacherInference.ShardTable table = TeacherInference.ShardTable.EMPTY;
    private int spawned, links;

    ClusterTeacherPlacement(ActorContext<ClusterRunGuardian.Command> ctx, ClusterDeathWatch<ClusterRunGuardian.Command> watches,
                            ActorRef<DataLoader.Command> loader, ActorRef<LyapunovSupervisor.Command> supervisor,
                            TransferSettings transfer, String configJson, IntFunction<ActorRef<TeacherInference.Command>> spawnLocal,
                            ActorRef<Object> relay, ActorRef<TeacherInference.Command> firstLocal) {
        this.ctx = ctx;
        this.watches = watches;
        this.loader = loader;
        this.supervisor = supervisor;
        this.transfer = transfer;
        this.configJson = configJson;
        this.spawnLocal = spawnLocal;
        this.relay = relay;
        this.local = firstLocal;
        this.spawned = 1;
        this.forwarder = ctx.spawn(TeacherOutbox.forwarder(), "teacher-forwarder");
    }

    /** The run's TeacherInference is on a teacher node (its TeacherInference ref), or empty: it is local. */
    Optional<ActorRef<TeacherInference.Command>> remote() {
        return Optional.ofNullable(remoteTeacher);
    }

    /** The teacher node's host while it has TeacherInference, else null. */
    ActorRef<TeacherHost.Command> remoteHost() {
        return remote == null ? null : remote.host();
    }

    /** The current shard table goes to wherever TeacherInference is (and to each later one). */
    void table(TeacherInference.ShardTable t) {
        table = t;
        relay.tell(t);
    }

    /** The Receptionist's current teacher hosts. */
    void hostsChanged(Set<ActorRef<TeacherHost.Command>> now) {
        hosts = Set.copyOf(now);
        Set<String> ids = hosts.stream().map(h -> h.path().toString()).collect(Collectors.toSet());
        failed.retainAll(ids);
        if (pending != null && !hosts.contains(pending.host())) {   // gone before it answered
            stop(pending);
            pending = null;
        }
        askIfNeeded();
    }

    /** A host's answer: when it answers the request in flight, TeacherInference moves there. Returns whether it moved. */
    boolean hosted(ClusterRunGuardian.TeacherHosted m) {
        if (pending == null || !pending.out().equals(m.standIn())) return false;   // an answer to a request given up
        remote = pending;
        pending = null;
        remoteTeacher = m.teacher();
        remote.out().tell(new ChunkSender.Connect(m.inbox()));
        watches.watch(m.teacher());
        ctx.getLog().info("TeacherInference on the teacher node {}", m.teacher().path().address());
        moveTo(remote.out().narrow());
        if (local != null) {
            retiring.add(local);
            ctx.stop(local);
            local = null;
        }
        return true;
    }

    /** A watched actor terminated: a remote TeacherInference gone falls back to a local one (and another teacher node is tried). */
    Gone terminated(ActorRef<?> ref) {
        if (ref.equals(remoteTeacher)) {
            failed.add(remote.host().path().toString());
            ctx.getLog().info("TeacherInference on {} is gone; running it on the run's node from the committed version", ref.path().address());
            stop(remote);
            remote = null;
            remoteTeacher = null;
            local = spawnLocal.apply(spawned++);
            moveTo(local);
            askIfNeeded();
            return Gone.REMOTE;
        }
        return retiring.remove(ref) ? Gone.RETIRED : Gone.NOT_A_MEMBER;
    }

    /** The relay routes to {@code target}, which gets the shard table; the supervisor resends the parameters with reset. */
    private void moveTo(ActorRef<TeacherInference.Command> target) {
        relay.tell(new TeacherRelay.Route(target));
        relay.tell(table);
        supervisor.tell(new LyapunovSupervisor.TeacherStarted(relay.narrow()));
    }

    private void askIfNeeded() {
        if (remote != null || pending != null) return;
        List<TeacherPlacement.Candidate> candidates = hosts.stream()
                .map(h -> new TeacherPlacement.Candidate(h.path().toString(), h.path().address().hasLocalScope())).toList();
        Optional<String> chosen = TeacherPlacement.choose(candidates, failed);
        if (chosen.isEmpty()) return;
        Map<String, ActorRef<TeacherHost.Command>> byId = hosts.stream().collect(Collectors.toMap(h -> h.path().toString(), h -> h));
        ActorRef<TeacherHost.Command> host = byId.get(chosen.get());
        int k = links++;
        pending = new Link(host, ctx.spawn(restarting(ChunkSender.create(transfer)), "link-out-teacher-" + k, TransferSettings.linkProps(ctx.getSystem())),
                ctx.spawn(restarting(ChunkReceiver.create(forwarder, transfer)), "link-in-teacher-" + k, TransferSettings.linkProps(ctx.getSystem())));
        host.tell(new TeacherHost.HostTeacher(configJson, loader, supervisor, pending.in(), relay.narrow(), pending.out().narrow(), ctx.getSelf()));
    }

    private void stop(Link link) {
        ctx.stop(link.out());
        ctx.stop(link.in());
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
