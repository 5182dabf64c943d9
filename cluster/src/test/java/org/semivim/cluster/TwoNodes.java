package org.semivim.cluster;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/** Test helper: two nodes in this JVM on loopback (free ports), the second joined through the first. */
final class TwoNodes implements AutoCloseable {
    final ClusterNode seed;
    final ClusterNode other;

    TwoNodes(Transport transport, Config seedOverrides, Config otherOverrides) {
        this.seed = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor", "data"), List.of(), 0, transport), seedOverrides, Behaviors.empty());
        ClusterNode o = null;
        try {
            o = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(seed.hostPort()), 0, transport), otherOverrides, Behaviors.empty());
        } finally {
            if (o == null) seed.close();
        }
        this.other = o;
    }

    /** Waits until both nodes see two members Up. */
    void awaitBothUp(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!(twoUp(seed.system()) && twoUp(other.system()))) {
            if (System.nanoTime() > end) throw new AssertionError("the two nodes did not both see 2 members Up within " + timeout);
            Thread.sleep(50);
        }
    }

    private static boolean twoUp(ActorSystem<?> system) {
        var members = Cluster.get(system).state().getMembers();
        return StreamSupport.stream(members.spliterator(), false).filter(m -> m.status() == MemberStatus.up()).count() == 2;
    }

    @Override
    public void close() {
        other.close();
        seed.close();
    }
}
