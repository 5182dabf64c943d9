package org.semivim.cluster;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running node of a semivim cluster: an {@link ActorSystem} named {@link NodeSettings#SYSTEM_NAME}
 * with the node's configuration, joined to its cluster. {@link #start} returns only once this node is
 * Up; a node that reaches no seed node within the join timeout fails with a
 * {@link NodeJoinException} naming the seed nodes (it never hangs). Pekko's own
 * {@code shutdown-after-unsuccessful-join-seed-nodes} is set to the same timeout, so the ActorSystem
 * also gives up by itself.
 */
public final class ClusterNode implements AutoCloseable {

    private final ActorSystem<Void> system;
    private final NodeSettings settings;

    private ClusterNode(ActorSystem<Void> system, NodeSettings settings) {
        this.system = system;
        this.settings = settings;
    }

    /** Starts the node and waits until it is Up (at most the join timeout plus a grace of 10 s for the shutdown). */
    public static ClusterNode start(NodeSettings settings) {
        return start(settings, com.typesafe.config.ConfigFactory.empty(), Behaviors.empty());
    }

    /** As {@link #start(NodeSettings)} with configuration overrides and a guardian behaviour (the node's role actors). */
    public static ClusterNode start(NodeSettings settings, com.typesafe.config.Config overrides, Behavior<Void> guardian) {
        if (settings.transport() == Transport.AERON_UDP) {
            NodeSettings.applyAeronSystemProperties();
        }
        settings.aeronDir().ifPresent(dir -> {
            if (!ExternalMediaDriver.driverActive(dir)) {
                throw new IllegalStateException("no media driver runs in " + dir + " (--aeron-dir): start one first with `semivim media-driver --aeron-dir " + dir
                        + "`, or leave --aeron-dir out to use an embedded driver");
            }
        });
        ActorSystem<Void> system = ActorSystem.create(guardian, NodeSettings.SYSTEM_NAME, settings.pekkoConfig(overrides));
        CompletableFuture<Void> up = new CompletableFuture<>();
        org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> up.complete(null));
        system.getWhenTerminated().thenRun(() -> up.completeExceptionally(new NodeJoinException(
                "node stopped before it joined the cluster through seed nodes " + settings.seedNodes())));
        if (settings.seedNodes().isEmpty()) {
            Address self = Cluster.get(system).selfMember().address();
            Cluster.get(system).manager().tell(Join.create(self));
        }
        try {
            up.get(settings.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new ClusterNode(system, settings);
        } catch (TimeoutException | ExecutionException e) {
            terminate(system);
            throw new NodeJoinException("could not join the cluster: no seed node of " + settings.seedNodes()
                    + " answered within " + settings.joinTimeout().toSeconds() + " s (transport " + settings.transport().artery()
                    + "); check that a seed node runs and that host, port and transport match");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate(system);
            throw new NodeJoinException("interrupted while joining the cluster");
        }
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public NodeSettings settings() {
        return settings;
    }

    /** This node's address as "host:port" (what other nodes pass as a seed node). */
    public String hostPort() {
        Address a = Cluster.get(system).selfMember().address();
        return a.getHost().get() + ":" + a.getPort().get();
    }

    /** Blocks until the system stops (a node process runs until it is told to leave or is downed). */
    public void awaitTermination() throws InterruptedException {
        try {
            system.getWhenTerminated().toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("node terminated abnormally: " + e.getCause(), e.getCause());
        }
    }

    /** Leaves the cluster and stops the system. */
    @Override
    public void close() {
        terminate(system);   // runs CoordinatedShutdown, whose cluster phases leave the cluster first
    }

    private static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // the node is going away either way; a slow shutdown is not the caller's error
        }
    }
}
