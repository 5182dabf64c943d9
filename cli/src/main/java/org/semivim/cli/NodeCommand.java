package org.semivim.cli;

import org.semivim.cluster.NodeMain;
import org.semivim.cluster.NodeSettings;
import org.semivim.cluster.Transport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Starts one node of a semivim Pekko Cluster ({@link NodeMain}) and keeps it running until the process is stopped
 * (SIGTERM/Ctrl-C leave the cluster gracefully). A node that cannot join within the join timeout
 * exits 2 with one line naming the seed nodes. docs/cluster.md.
 */
@Command(name = "node", description = "Join (or start) a semivim Pekko Cluster as a node with the given roles.")
final class NodeCommand implements Callable<Integer> {

    @Option(names = "--role", required = true, split = ",", description = "Roles of this node: supervisor, trainer, teacher, data (comma-separated).")
    List<String> roles;

    @Option(names = "--seed-nodes", split = ",", description = "host:port of the seed nodes (comma-separated); none: this node starts a new cluster.")
    List<String> seedNodes = List.of();

    @Option(names = "--config", description = "HOCON file of overrides (on top of cluster-config's semivim-cluster*.conf).")
    Path config;

    @Option(names = "--hostname", defaultValue = "127.0.0.1", description = "Address to listen on and advertise (default ${DEFAULT-VALUE}: loopback only).")
    String hostname;

    @Option(names = "--port", defaultValue = "25520", description = "Port to listen on (0: a free one; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--transport", defaultValue = "tcp", description = "tcp, aeron-udp or tls-tcp (default ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--join-timeout", defaultValue = "30", description = "Seconds to wait for the cluster to accept this node (default ${DEFAULT-VALUE}).")
    int joinTimeoutSeconds;

    @Option(names = "--run", description = "A run config (JSON) this supervisor node may host as the run singleton.")
    Path run;

    @Option(names = "--run-dir", description = "The run directory (checkpoints, metrics): shared storage, the same on every supervisor node.")
    Path runDir;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint every N committed steps (0: only at the end).")
    long checkpointEvery;

    @Option(names = "--augmenters", defaultValue = "2", description = "Augmenters per run: on a supervisor node the local ones used while no data node has any; on a data node the ones it hosts (default ${DEFAULT-VALUE}).")
    int augmenters;

    @Option(names = "--aeron-dir", description = "aeron-udp: use the media driver running in this directory (`semivim media-driver`, one per machine) instead of an embedded one.")
    Path aeronDir;

    @Override
    public Integer call() throws Exception {
        NodeSettings settings = new NodeSettings(new LinkedHashSet<>(roles), seedNodes, hostname, port, Transport.of(transport),
                Optional.ofNullable(config), Duration.ofSeconds(joinTimeoutSeconds), Optional.ofNullable(aeronDir).map(p -> p.toAbsolutePath().normalize()));
        return NodeMain.run(new NodeMain.Launch(settings, run, runDir, checkpointEvery, augmenters));
    }
}
