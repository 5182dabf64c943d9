package org.semivim.cluster;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.Behavior;
import org.semivim.actors.RunHooks;
import org.semivim.engine.ops.Ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cluster nodes in this JVM on 127.0.0.1 over tcp, for the in-JVM run tests: the first node started
 * is the seed (the supervisor node in every test), every later one joins it; {@link #close()} stops
 * them in the reverse order of their start.
 */
final class LoopbackCluster implements AutoCloseable {
    private final Config overrides;
    private final List<ClusterNode> nodes = new ArrayList<>();

    LoopbackCluster(Config overrides) {
        this.overrides = overrides;
    }

    /** A node with {@code roles} in its settings and {@code guardian}: the seed when it is the first, else joining the first. */
    ClusterNode start(Set<String> roles, Behavior<Void> guardian) {
        List<String> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).hostPort());
        ClusterNode node = ClusterNode.start(NodeSettings.loopback(roles, seeds, 0, Transport.TCP), overrides, guardian);
        nodes.add(node);
        return node;
    }

    /** The supervisor node (role supervisor on CPU) that runs {@code run}: the seed when it is started first. */
    ClusterNode startSupervisor(NodeRoles.RunSpec run) {
        return start(Set.of("supervisor"), NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), run));
    }

    /** A trainer node on CPU. */
    ClusterNode startTrainer() {
        return start(Set.of("trainer"), NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
    }

    /** A node with the one {@code role} (trainer, teacher or data) on CPU, two augmenters, whose hosted actors call {@code hooks}. */
    ClusterNode startWorker(String role, RunHooks hooks) {
        return start(Set.of(role), NodeRoles.guardian(Set.of(role), Ops.cpu(), null, 2, hooks));
    }

    /** The node started {@code i}-th (0 = the seed). */
    ClusterNode get(int i) {
        return nodes.get(i);
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
    }
}
