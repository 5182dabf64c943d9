package org.semivim.actors;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Death watch of actors on other nodes that also holds for a node this node did not yet see Up (state of
 * the actor that watches, e.g. the {@link ClusterRunGuardian}; not an actor). Pekko's cluster remote
 * watcher drops a watch of an actor whose node is not among the members it has seen Up
 * ({@code ClusterRemoteWatcher.shouldWatch}; it logs "Dropped remote Watch" and never sends the Watch),
 * while the watcher's own bookkeeping keeps the entry, so such a watch fires only when that node is
 * removed. A host can answer before that: its node joined, the Receptionist listed its host, the run
 * asked and the host answered while the node was still Joining here. An actor it spawned that then
 * stopped while its node stayed up went unnoticed. So every remote ref watched through this is
 * recorded, and when this node sees a node Up (MemberUp or MemberWeaklyUp, adapted to the owner's
 * {@code nodeUp} message, handed to {@link #nodeUp}) each of them there is watched again (unwatch,
 * watch: the Watch now goes out; an actor already gone answers at once), and once more a second later,
 * because the remote watcher hears of the member from the same event stream as the owner, in no set
 * order.
 */
public final class ClusterDeathWatch<T> {

    /** How long after a node is seen Up its actors are watched a second time (ms). */
    public static final long SECOND_LOOK_MILLIS = 1000;

    private final ActorContext<T> ctx;
    private final BiFunction<Address, Boolean, T> nodeUpMessage;
    private final Set<ActorRef<?>> remote = new HashSet<>();

    /** Subscribes {@code ctx}'s actor to Up members; {@code nodeUpMessage(node, again)} is the message it gets (and hands to {@link #nodeUp}). */
    public ClusterDeathWatch(ActorContext<T> ctx, BiFunction<Address, Boolean, T> nodeUpMessage) {
        this.ctx = ctx;
        this.nodeUpMessage = nodeUpMessage;
        var subscriptions = Cluster.get(ctx.getSystem()).subscriptions();
        subscriptions.tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberUp.class, e -> nodeUpMessage.apply(e.member().address(), false)),
                ClusterEvent.MemberUp.class));
        subscriptions.tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberWeaklyUp.class,
                e -> nodeUpMessage.apply(e.member().address(), false)), ClusterEvent.MemberWeaklyUp.class));
    }

    public void watch(ActorRef<?> ref) {
        ctx.watch(ref);
        if (!ref.path().address().hasLocalScope()) remote.add(ref);
    }

    public void unwatch(ActorRef<?> ref) {
        ctx.unwatch(ref);
        remote.remove(ref);
    }

    /** Its Terminated arrived: no longer watched. */
    public void terminated(ActorRef<?> ref) {
        remote.remove(ref);
    }

    /** This node sees {@code node} Up ({@code again}: the second look): the watches of actors there are sent again. */
    public void nodeUp(Address node, boolean again) {
        List<ActorRef<?>> there = remote.stream().filter(r -> r.path().address().equals(node)).toList();
        for (ActorRef<?> ref : there) {
            ctx.unwatch(ref);
            ctx.watch(ref);
        }
        if (!again) ctx.scheduleOnce(Duration.ofMillis(SECOND_LOOK_MILLIS), ctx.getSelf(), nodeUpMessage.apply(node, true));
    }
}
