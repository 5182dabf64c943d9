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
 */
final class ClusterAugmenterPool {

    /** What a terminated actor was to the pool. */
    enum Gone { REMOTE, LOCAL, NOT_A_MEMBER }

    private final ActorContext<ClusterRunGuardian.Command> ctx;
    private final ActorRef<DataLoader.Command> loader;
    private final ActorRef<TeacherInference.Command> teacher;
    private final TransferSettings transfer;
    private final String configJson;
    private final int localCount;
    private final IntFunction<ActorRef<Augmenter.Command>> spawnLocal;   // spawns (and watches) local augmenter number k
    private final List<ActorRef<Augmenter.Command>> local = new ArrayList<>();
    private final Set<ActorRef<?>> retiring = new HashSet<>();
    private final Map<ActorRef<Augmenter.Command>, ActorRef<ChunkReceiver.Command>> remote = new HashMap<>();   // worker → its host's views link
    private final Map<ActorRef<AugmenterHost.Command>, ActorRef<ChunkReceiver.Command>> viewsLinkOfHost = new HashMap<>();
    private int spawned, links;

    ClusterAugmenterPool(ActorContext<ClusterRunGuardian.Command> ctx, ActorRef<DataLoader.Command> loader, ActorRef<TeacherInference.Command> teacher,
                         TransferSettings transfer, String configJson, int localCount, IntFunction<ActorRef<Augmenter.Command>> spawnLocal) {
        this.ctx = ctx;
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

    /** The Receptionist's current augmenter hosts: each new one is asked for augmenters, with a views link of its own. */
    void hostsChanged(Set<ActorRef<AugmenterHost.Command>> hosts) {
        for (var host : hosts) {
            if (viewsLinkOfHost.containsKey(host)) continue;
            ActorRef<ChunkReceiver.Command> in = ctx.spawn(restarting(ChunkReceiver.create(teacher, transfer)), "link-in-views-" + links++);
            viewsLinkOfHost.put(host, in);
            host.tell(new AugmenterHost.HostAugmenters(configJson, loader, in, ctx.getSelf()));
        }
    }

    /** A host's answer: its augmenters join the pool (watched); the local ones retire. Returns whether the members changed. */
    boolean hosted(ClusterRunGuardian.AugmentersHosted m) {
        if (!viewsLinkOfHost.containsValue(m.viewsInbox()) || m.augmenters().isEmpty()) return false;
        for (var a : m.augmenters()) {
            ctx.watch(a);
            remote.put(a, m.viewsInbox());
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
            ActorRef<ChunkReceiver.Command> link = remote.remove(a);
            if (!remote.containsValue(link)) {   // its host's last augmenter: the link and the host go
                viewsLinkOfHost.values().remove(link);
                ctx.stop(link);
            }
            loader.tell(new DataLoader.WorkerGone(a));
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

    private void spawnLocals() {
        while (local.size() < localCount) local.add(spawnLocal.apply(spawned++));
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
