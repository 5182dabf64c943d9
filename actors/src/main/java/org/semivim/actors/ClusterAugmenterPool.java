package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.TransferSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The {@link ClusterRunGuardian}'s augmenter pool (not an actor: state the guardian keeps and changes
 * while it handles a message). Augmenters are found on the nodes with role data ({@link AugmenterHost},
 * through the Receptionist); while none is present the pool is {@code local} augmenters on the run's
 * node. The first remote augmenters retire the local ones; when the last remote one is gone (its node
 * left or was downed) local ones are spawned again. Every pool member that goes is reported to the
 * DataLoader ({@link DataLoader.WorkerGone}), which drops it from its waiting requests and has the
 * steps from TeacherInference's version handed out again: the step the member held, or its views lost
 * in flight, are rendered elsewhere, to the same bits (a view is a function of (seed, t, sample, view)).
 * The views links end where TeacherInference is: on this node (delivering to the {@link TeacherRelay})
 * or, while a teacher node has it, on that node ({@link TeacherHost.OpenViewsLink}); when it moves,
 * every host is asked again with a link ending at the new place ({@link #viewsMoved}).
 */
final class ClusterAugmenterPool {

    /** What a terminated actor was to the pool. */
    enum Gone { REMOTE, LOCAL, NOT_A_MEMBER }

    private final ActorContext<ClusterRunGuardian.Command> ctx;
    private final ClusterDeathWatch<ClusterRunGuardian.Command> watches;
    private final ActorRef<DataLoader.Command> loader;
    private final ActorRef<TeacherInference.Command> teacher;
    private final TransferSettings transfer;
    private final String configJson;
    private final int localCount;
    private final IntFunction<ActorRef<Augmenter.Command>> spawnLocal;   // spawns (and watches) local augmenter number k
    private final List<ActorRef<Augmenter.Command>> local = new ArrayList<>();
    private final Set<ActorRef<?>> retiring = new HashSet<>();
    private final Map<ActorRef<Augmenter.Command>, ActorRef<ChunkReceiver.Command>> remote = new HashMap<>();   // worker → its host's views link
    private final Map<ActorRef<Augmenter.Command>, ActorRef<AugmenterHost.Command>> hostOfMember = new HashMap<>();
    private final Map<ActorRef<AugmenterHost.Command>, ActorRef<ChunkReceiver.Command>> viewsLinkOfHost = new HashMap<>();
    private final Map<ActorRef<ChunkReceiver.Command>, ActorRef<AugmenterHost.Command>> hostOfInbox = new HashMap<>();   // every inbox asked with
    private final Map<ActorRef<AugmenterHost.Command>, List<ActorRef<Augmenter.Command>>> superseded = new HashMap<>();   // from answers to earlier asks
    private Set<ActorRef<AugmenterHost.Command>> listed = Set.of();
    private final Set<ActorRef<AugmenterHost.Command>> opening = new HashSet<>();   // a views link asked of the teacher node, not answered yet
    private ActorRef<TeacherHost.Command> teacherHost;                               // where the views links end; null: on this node
    private ActorRef<TeacherInference.Command> teacherStandIn;
    private int spawned, links;

    ClusterAugmenterPool(ActorContext<ClusterRunGuardian.Command> ctx, ClusterDeathWatch<ClusterRunGuardian.Command> watches,
                         ActorRef<DataLoader.Command> loader, ActorRef<TeacherInference.Command> teacher,
                         TransferSettings transfer, String configJson, int localCount, IntFunction<ActorRef<Augmenter.Command>> spawnLocal) {
        this.ctx = ctx;
        this.watches = watches;
        this.loader = loader;
        this.teacher = teacher;
        this.transfer = transfer;
        this.configJson = configJson;
        this.localCount = localCount;
        this.spawnLocal = spawnLocal;
        spawnLocals();
    }

    /** The members now (for the topology: a restarted DataLoader asks each of them for work again). */
    List<ActorRef<Augmenter.Command>> members() {
        List<ActorRef<Augmenter.Command>> all = new ArrayList<>(local);
        remote.keySet().stream().sorted((a, b) -> a.path().toString().compareTo(b.path().toString())).forEach(all::add);
        return all;
    }

    /**
     * The Receptionist's current augmenter hosts: each new one is asked for augmenters, with a views link
     * of its own ending where TeacherInference is.
     */
    void hostsChanged(Set<ActorRef<AugmenterHost.Command>> hosts) {
        listed = Set.copyOf(hosts);
        opening.retainAll(hosts);
        for (var host : hosts) {
            if (!viewsLinkOfHost.containsKey(host) && !opening.contains(host)) open(host);
        }
    }

    /**
     * TeacherInference moved: to the teacher node of {@code teacherHost}, addressed through {@code standIn}
     * (null, null: back to this node). Every host is asked again with a views link ending there (it replaces
     * its augmenters and their link; the steps they held are handed out again).
     */
    void viewsMoved(ActorRef<TeacherHost.Command> teacherHost, ActorRef<TeacherInference.Command> standIn) {
        this.teacherHost = teacherHost;
        this.teacherStandIn = standIn;
        opening.clear();
        for (var host : listed) open(host);
    }

    /** A teacher host's answer: the views link for {@code host} ends at {@code inbox} on the teacher node; the host is asked. */
    void viewsLinkOpened(ClusterRunGuardian.ViewsLinkOpened m) {
        if (!m.standIn().equals(teacherStandIn) || !listed.contains(m.forHost()) || !opening.remove(m.forHost())) return;   // superseded
        ask(m.forHost(), m.inbox());
    }

    /** A views link for {@code host}: on this node (delivering to the relay) at once, or asked of the teacher node's host. */
    private void open(ActorRef<AugmenterHost.Command> host) {
        if (teacherHost == null) {
            ask(host, ctx.spawn(restarting(ChunkReceiver.create(teacher, transfer)), "link-in-views-" + links++, TransferSettings.linkProps(ctx.getSystem())));
        } else {
            opening.add(host);
            teacherHost.tell(new TeacherHost.OpenViewsLink(host, teacherStandIn, ctx.getSelf()));
        }
    }

    private void ask(ActorRef<AugmenterHost.Command> host, ActorRef<ChunkReceiver.Command> inbox) {
        viewsLinkOfHost.put(host, inbox);
        hostOfInbox.put(inbox, host);
        host.tell(new AugmenterHost.HostAugmenters(configJson, loader, inbox, ctx.getSelf()));
    }

    /**
     * A host's answer: its augmenters join the pool (watched); the local ones retire. A host asked again
     * (TeacherInference moved) has stopped its previous augmenters before answering: they leave the pool
     * here or at their death watch, whichever comes first (the answer comes after anything they sent on
     * Artery's ordinary stream; the death watch's notice, on the control stream, may overtake that, and
     * the DataLoader ignores a request from a worker it heard is gone); so do the augmenters of an answer
     * that came after a later ask had been sent (never members, but they may have taken work). Returns
     * whether the members changed.
     */
    boolean hosted(ClusterRunGuardian.AugmentersHosted m) {
        ActorRef<AugmenterHost.Command> host = hostOfInbox.remove(m.viewsInbox());
        if (host == null) return false;   // not an inbox this pool asked with (or answered twice)
        if (!m.viewsInbox().equals(viewsLinkOfHost.get(host))) {   // the answer to an earlier ask: the host stops these when it gets the later one
            superseded.computeIfAbsent(host, h -> new ArrayList<>()).addAll(m.augmenters());
            if (self(m.viewsInbox()) && !remote.containsValue(m.viewsInbox())) ctx.stop(m.viewsInbox());
            return false;
        }
        if (m.augmenters().isEmpty()) return false;
        List<ActorRef<Augmenter.Command>> replaced = hostOfMember.entrySet().stream()
                .filter(e -> e.getValue().equals(host) && !m.augmenters().contains(e.getKey())).map(Map.Entry::getKey).toList();
        for (var a : replaced) {
            watches.unwatch(a);
            drop(a);
        }
        for (var a : superseded.getOrDefault(host, List.of())) loader.tell(new DataLoader.WorkerGone(a));   // they may have taken work
        superseded.remove(host);
        for (var a : m.augmenters()) {
            watches.watch(a);
            remote.put(a, m.viewsInbox());
            hostOfMember.put(a, host);
        }
        for (var a : local) {
            retiring.add(a);
            ctx.stop(a);   // its PostStop gives back the step in hand
        }
        if (!local.isEmpty()) ctx.getLog().info("augmenters on data nodes: {}; the {} local ones retire", m.augmenters().size(), local.size());
        local.clear();
        return true;
    }

    /** A watched actor terminated: a member leaves the pool (and the DataLoader hears of it); the pool never stays empty. */
    Gone terminated(ActorRef<?> ref) {
        if (remote.containsKey(ref)) {
            @SuppressWarnings("unchecked")
            ActorRef<Augmenter.Command> a = (ActorRef<Augmenter.Command>) ref;
            drop(a);
            if (remote.isEmpty()) {
                ctx.getLog().info("no augmenter on a data node left; spawning {} local ones", localCount);
                spawnLocals();
            }
            return Gone.REMOTE;
        }
        if (retiring.remove(ref) || local.remove(ref)) {
            @SuppressWarnings("unchecked")
            ActorRef<Augmenter.Command> a = (ActorRef<Augmenter.Command>) ref;
            loader.tell(new DataLoader.WorkerGone(a));
            if (remote.isEmpty() && local.size() < localCount) local.add(spawnLocal.apply(spawned++));   // a stopped pool member is replaced
            return Gone.LOCAL;
        }
        return Gone.NOT_A_MEMBER;
    }

    /** A remote member leaves the pool; the DataLoader hears of it. */
    private void drop(ActorRef<Augmenter.Command> a) {
        ActorRef<ChunkReceiver.Command> link = remote.remove(a);
        hostOfMember.remove(a);
        if (!remote.containsValue(link)) {   // the last augmenter on this link: the link goes (and a host whose current link it was)
            viewsLinkOfHost.values().remove(link);
            if (self(link)) ctx.stop(link);   // a link ending on a teacher node is its TeacherHost's
        }
        loader.tell(new DataLoader.WorkerGone(a));
    }

    private boolean self(ActorRef<?> child) {
        return child.path().parent().equals(ctx.getSelf().path());
    }

    private void spawnLocals() {
        while (local.size() < localCount) local.add(spawnLocal.apply(spawned++));
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
