package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one node of a semivim cluster is: its roles, where it listens, the seed nodes it joins
 * through, its transport and an optional HOCON file of overrides. {@link #pekkoConfig()} layers them:
 * these settings, then the {@code --config} file, then the transport's resource of cluster-config
 * (which includes semivim-cluster.conf, semivim-local.conf and the Kryo bindings).
 *
 * @param roles      any of supervisor, trainer, teacher, data (at least one)
 * @param seedNodes  "host:port" of the seed nodes; empty: this node starts a new cluster (joins itself)
 * @param hostname   canonical (and bind) host name, 127.0.0.1 unless configured
 * @param port       the port to listen on; 0 picks a free one
 * @param aeronDir   aeron-udp only: the directory of a running media driver of this machine
 *                   ({@link ExternalMediaDriver}, {@code semivim media-driver}) that this node uses instead of
 *                   starting an embedded one; empty: Pekko's embedded driver
 */
public record NodeSettings(Set<String> roles, List<String> seedNodes, String hostname, int port, Transport transport,
                           Optional<Path> configFile, Duration joinTimeout, Optional<Path> aeronDir) {

    /** The ActorSystem name every node of a semivim cluster uses (part of each node's address). */
    public static final String SYSTEM_NAME = "semivim";
    public static final List<String> KNOWN_ROLES = List.of("supervisor", "trainer", "teacher", "data");

    /**
     * The Aeron media driver's JVM-wide settings (deps.md: default settings give 6 MB/s; MTU 65504 is
     * for loopback only). Read when the embedded driver starts, so they are system properties.
     */
    public static final Map<String, String> AERON_SYSTEM_PROPERTIES = Map.of(
            "aeron.term.buffer.sparse.file", "true",
            "aeron.socket.so_rcvbuf", "4194304",
            "aeron.socket.so_sndbuf", "4194304",
            "aeron.rcv.initial.window.length", "4194304",
            "aeron.mtu.length", "65504");

    /** Sets {@link #AERON_SYSTEM_PROPERTIES} in this JVM where they are not set already (a -D on the command line wins). */
    public static void applyAeronSystemProperties() {
        AERON_SYSTEM_PROPERTIES.forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** Artery's idle-cpu-level (its task runner) for a node on an external media driver, unless configured. */
    public static final int EXTERNAL_DRIVER_IDLE_CPU_LEVEL = 2;

    public NodeSettings {
        roles = Set.copyOf(new LinkedHashSet<>(roles));
        if (roles.isEmpty()) throw new IllegalArgumentException("a node needs at least one role of " + KNOWN_ROLES);
        for (String r : roles) {
            if (!KNOWN_ROLES.contains(r)) throw new IllegalArgumentException("unknown role '" + r + "': expected some of " + KNOWN_ROLES);
        }
        seedNodes = List.copyOf(seedNodes);
        for (String s : seedNodes) parseHostPort(s);
        if (hostname == null || hostname.isBlank()) throw new IllegalArgumentException("hostname must not be empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range 0..65535");
        if (joinTimeout.isNegative() || joinTimeout.isZero()) throw new IllegalArgumentException("join timeout must be positive, got " + joinTimeout);
        configFile.ifPresent(p -> {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("config file " + p + " does not exist");
        });
        if (aeronDir.isPresent() && transport != Transport.AERON_UDP) {
            throw new IllegalArgumentException("an external media driver (--aeron-dir " + aeronDir.get() + ") is for transport aeron-udp, not " + transport.artery());
        }
    }

    /** A node with Pekko's embedded media driver (or none: tcp, tls-tcp). */
    public NodeSettings(Set<String> roles, List<String> seedNodes, String hostname, int port, Transport transport,
                        Optional<Path> configFile, Duration joinTimeout) {
        this(roles, seedNodes, hostname, port, transport, configFile, joinTimeout, Optional.empty());
    }

    /** A loopback node with the default join timeout (30 s) and no config file. */
    public static NodeSettings loopback(Set<String> roles, List<String> seedNodes, int port, Transport transport) {
        return new NodeSettings(roles, seedNodes, "127.0.0.1", port, transport, Optional.empty(), Duration.ofSeconds(30));
    }

    public NodeSettings withJoinTimeout(Duration timeout) {
        return new NodeSettings(roles, seedNodes, hostname, port, transport, configFile, timeout, aeronDir);
    }

    /** The same node using the running media driver in {@code dir} instead of an embedded one (aeron-udp only). */
    public NodeSettings withExternalMediaDriver(Path dir) {
        return new NodeSettings(roles, seedNodes, hostname, port, transport, configFile, joinTimeout, Optional.of(dir.toAbsolutePath().normalize()));
    }

    /** The Pekko address of a seed given as "host:port". */
    public static String seedAddress(String hostPort) {
        parseHostPort(hostPort);
        return "pekko://" + SYSTEM_NAME + "@" + hostPort;
    }

    /** The layered Pekko configuration of this node (resolved). */
    public Config pekkoConfig() {
        return pekkoConfig(ConfigFactory.empty());
    }

    /** As {@link #pekkoConfig()} with {@code overrides} above the config file (tests, embedding programs). */
    public Config pekkoConfig(Config overrides) {
        List<String> seeds = new ArrayList<>();
        for (String s : seedNodes) seeds.add(seedAddress(s));
        Config own = ConfigFactory.empty()
                .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles.stream().sorted().toList()))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(hostname))
                .withValue("pekko.remote.artery.bind.hostname", ConfigValueFactory.fromAnyRef(hostname))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", ConfigValueFactory.fromAnyRef(joinTimeout.toMillis() + "ms"))
                .withValue("semivim.cluster.join-timeout", ConfigValueFactory.fromAnyRef(joinTimeout.toMillis() + "ms"));
        if (aeronDir.isPresent()) {
            own = own.withValue("pekko.remote.artery.advanced.aeron.embedded-media-driver", ConfigValueFactory.fromAnyRef(false))
                    .withValue("pekko.remote.artery.advanced.aeron.aeron-dir", ConfigValueFactory.fromAnyRef(aeronDir.get().toString()))
                    .withValue("pekko.remote.artery.advanced.aeron.delete-aeron-dir", ConfigValueFactory.fromAnyRef(false));
        }
        Config file = configFile.map(p -> ConfigFactory.parseFile(p.toFile())).orElse(ConfigFactory.empty());
        Config base = ConfigFactory.load(transport.resource());
        Config external = ConfigFactory.empty();
        if (aeronDir.isPresent()) {
            // With a driver of our own, idle-cpu-level only sets how Artery's task runner waits. It polls an idle
            // inbound stream one Aeron fragment (64 KiB) per pass: at 1 (sleep 1 ms per pass) a 0.67 MB message
            // takes 15 ms to arrive, at 2 (back-off, parks of at most 220 µs) 6 ms (docs/cluster.md). System
            // properties, --config and overrides still win.
            external = ConfigFactory.defaultOverrides().withFallback(ConfigFactory.parseString(
                    "pekko.remote.artery.advanced.aeron.idle-cpu-level = " + EXTERNAL_DRIVER_IDLE_CPU_LEVEL));
        }
        Config all = own.withFallback(overrides).withFallback(file).withFallback(external).withFallback(base).resolve();
        all = withLargeMessageDestination(all, org.semivim.actors.TeacherHost.LARGE_MESSAGE_DESTINATION);
        String t = all.getString("pekko.remote.artery.transport");
        if (!t.equals(transport.artery())) {
            throw new IllegalArgumentException("config sets pekko.remote.artery.transport = " + t + " but the node was started with transport " + transport.artery());
        }
        return all;
    }

    /** Artery's large-message destinations of {@code config} with {@code path} added (kept once): the chunked links' receivers need it. */
    static Config withLargeMessageDestination(Config config, String path) {
        String key = "pekko.remote.artery.large-message-destinations";
        List<String> destinations = new ArrayList<>(config.hasPath(key) ? config.getStringList(key) : List.of());
        if (destinations.contains(path)) return config;
        destinations.add(path);
        return config.withValue(key, ConfigValueFactory.fromIterable(destinations));
    }

    private static void parseHostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) throw new IllegalArgumentException("seed node '" + s + "' is not host:port");
        try {
            int p = Integer.parseInt(s.substring(colon + 1));
            if (p < 1 || p > 65535) throw new IllegalArgumentException("seed node '" + s + "' has port out of range 1..65535");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed node '" + s + "' has a port that is not a number", e);
        }
    }
}
