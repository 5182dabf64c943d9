package org.semivim.cli;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.DataLoader;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.StudentTrainer;
import org.semivim.cluster.ClusterNode;
import org.semivim.cluster.ExternalMediaDriver;
import org.semivim.cluster.MediaDriverSettings;
import org.semivim.cluster.NodeSettings;
import org.semivim.cluster.Transport;
import org.semivim.cluster.bench.AeronStreamThroughput;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.ChunkSender;
import org.semivim.actors.transfer.TransferSettings;
import java.time.Duration;
import org.semivim.training.config.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Cluster transport and step-time benchmark (issue 6), nodes in this JVM on loopback:
 * (1) parameter broadcast (StudentParams [P] to a trainer node) and gradient gather (ShardDone [P] to
 * the supervisor node) in MB/s over each transport, (a) through the chunked links the runtime uses
 * (ChunkSender → ChunkReceiver on the large-message stream; chunk size and window as given), (b) as
 * single messages on a 16 MiB large-message stream (the previous design, up to 4.18M floats), and
 * (c) as raw bytes over a dedicated Aeron stream between two embedded media drivers (the comparison);
 * (2) ms/step of a run in one ActorSystem vs the run singleton on one node and its trainer on a
 * second node, and the share of the step the second node adds.
 */
@Command(name = "cluster", description = "Cluster: broadcast/gather MB/s (chunked links, single messages, a raw Aeron stream); 1-node vs 2-node step time.")
final class ClusterBench implements Callable<Integer> {
    @Option(names = "--transports", split = ",", defaultValue = "tcp,aeron-udp", description = "transports (default ${DEFAULT-VALUE})")
    List<String> transports;

    @Option(names = "--floats", split = ",", defaultValue = "168138,2097152,8388608", description = "tensor sizes in floats (default ${DEFAULT-VALUE})")
    int[] sizes;

    @Option(names = "--messages", defaultValue = "20", description = "timed messages per size and direction (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--window", defaultValue = "4", description = "single messages: unacknowledged messages in flight (default ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--chunk-bytes", split = ",", defaultValue = "1048576", description = "chunked links: chunk sizes (default ${DEFAULT-VALUE})")
    int[] chunkBytes;

    @Option(names = "--chunk-window", split = ",", defaultValue = "8", description = "chunked links: chunks in flight per link (default ${DEFAULT-VALUE})")
    int[] chunkWindows;

    @Option(names = "--paths", split = ",", defaultValue = "chunked,single,aeron-stream",
            description = "what to measure: chunked, single, aeron-stream, latency (with chunked: one message at a time; default ${DEFAULT-VALUE})")
    List<String> paths;

    @Option(names = "--config", description = "TrainConfig JSON for the step-time part (default: fixmatch, vim-fmnist-tiny, b_l 16, mu 2)")
    Path config;

    @Option(names = "--steps", defaultValue = "20", description = "steps of the step-time runs (default ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--warm-steps", defaultValue = "3", description = "step-time runs: untimed first steps (default ${DEFAULT-VALUE})")
    int warmSteps;

    @Option(names = "--repeats", defaultValue = "1", description = "step-time runs: timed (1 node, 2 nodes) pairs per transport, then their medians (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--trainer-jvm", description = "step-time runs: the trainer node in a child JVM on 127.0.0.1 (default: both nodes in this JVM)")
    boolean trainerJvm;

    @Option(names = "--media-driver", defaultValue = "embedded",
            description = "aeron-udp: embedded (Pekko's, one per node) or shared (one driver of our own in this JVM for every node, the child JVM's too; default ${DEFAULT-VALUE})")
    String mediaDriver;

    @Option(names = "--driver-threading", defaultValue = "shared", description = "--media-driver shared: shared, shared-network or dedicated (default ${DEFAULT-VALUE})")
    String driverThreading;

    @Option(names = "--driver-idle", defaultValue = "sleep:1ms", description = "--media-driver shared: sleep:<d>, backoff:<max park> or busy-spin (default ${DEFAULT-VALUE})")
    String driverIdle;

    @Option(names = "--skip-steps", description = "only the transport part")
    boolean skipSteps;

    @Option(names = "--skip-transfers", description = "only the step-time part")
    boolean skipTransfers;

    /** The shared media driver's directory while one runs (--media-driver shared), else null. */
    private Path driverDir;

    /** MB/s by "path transport direction floats", for the ratios. */
    private final Map<String, Double> rates = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || window < 1 || repeats < 1) throw new IllegalArgumentException("--messages, --window and --repeats must be at least 1");
        NodeSettings.applyAeronSystemProperties();
        if (!mediaDriver.equals("embedded") && !mediaDriver.equals("shared")) {
            throw new IllegalArgumentException("--media-driver must be embedded or shared, got '" + mediaDriver + "'");
        }
        if (mediaDriver.equals("shared") && transports.contains("aeron-udp")) {
            Path parent = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
            Path tmp = Files.createTempDirectory(parent, "semivim-bench-driver");
            try (ExternalMediaDriver driver = ExternalMediaDriver.launch(tmp.resolve("aeron"), new MediaDriverSettings(driverThreading, driverIdle))) {
                driverDir = driver.directory();
                Thread cleanup = new Thread(() -> {   // a bench stopped with SIGTERM/Ctrl-C leaves no driver files behind
                    driver.close();
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (java.io.IOException e) {
                        // best effort at exit
                    }
                }, "bench-media-driver-cleanup");
                Runtime.getRuntime().addShutdownHook(cleanup);
                System.out.printf("aeron-udp nodes share one media driver in %s (threading %s, idle %s)%n", driverDir, driverThreading, driverIdle);
                measure();
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } finally {
                driverDir = null;
                Files.deleteIfExists(tmp);
            }
            return 0;
        }
        measure();
        return 0;
    }

    private void measure() throws Exception {
        if (!skipTransfers) {
            System.out.printf("%-10s %-26s %-10s %-9s %7s %8s   (%d timed messages each; both nodes in this JVM, loopback)%n",
                    "transport", "path", "direction", "floats", "MB/msg", "MB/s", messages);
            for (String t : transports) {
                if (paths.contains("chunked")) chunked(Transport.of(t));
            }
            for (String t : transports) {
                if (paths.contains("single")) single(Transport.of(t));
            }
            if (paths.contains("aeron-stream")) aeronStream();
            ratios();
        }
        if (!skipSteps) {
            TrainConfig c = trainConfig();
            for (String t : transports) {
                Transport transport = Transport.of(t);
                ClusterStepTimes.run(transport, c, warmSteps, trainerJvm, rates, transport == Transport.AERON_UDP ? driverDir : null, repeats);
            }
        }
    }

    /** A loopback node's settings; an aeron-udp node uses the shared media driver while one runs. */
    private NodeSettings loopback(Set<String> roles, List<String> seeds, Transport transport) {
        NodeSettings s = NodeSettings.loopback(roles, seeds, 0, transport);
        return driverDir != null && transport == Transport.AERON_UDP ? s.withExternalMediaDriver(driverDir) : s;
    }

    private static final com.typesafe.config.Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    /** (a) The runtime's chunked links: a ChunkSender on one node, the ChunkReceiver (under /user/trainer-host, large stream) on the other. */
    private void chunked(Transport transport) throws Exception {
        Semaphore acks = new Semaphore(0);
        CompletableFuture<ActorRef<ChunkReceiver.Command>> inA = new CompletableFuture<>(), inB = new CompletableFuture<>();
        try (ClusterNode a = ClusterNode.start(loopback(Set.of("supervisor"), List.of(), transport), QUIET, host(null, inA, acks));
             ClusterNode b = ClusterNode.start(loopback(Set.of("trainer"), List.of(a.hostPort()), transport), QUIET,
                     host(null, inB, acks))) {
            ActorRef<ChunkReceiver.Command> toB = remote(b, inB.get(), a), toA = remote(a, inA.get(), b);
            int links = 0;
            for (int chunk : chunkBytes) {
                for (int w : chunkWindows) {
                    var settings = new TransferSettings(chunk, w, Duration.ofSeconds(5), Integer.MAX_VALUE - 8);
                    ActorRef<Object> outA = a.system().systemActorOf(ChunkSender.create(settings, toB), "bench-out-" + links, TransferSettings.linkProps(a.system()));
                    ActorRef<Object> outB = b.system().systemActorOf(ChunkSender.create(settings, toA), "bench-out-" + links++, TransferSettings.linkProps(b.system()));
                    String path = "chunked " + (chunk / 1024) + " KiB x" + w;
                    for (int n : sizes) {
                        float[] p = tensor(n);
                        report(transport, path, "broadcast", n, queued(outA, acks, v -> new StudentTrainer.StudentParams(v, p)));
                        report(transport, path, "gather", n, queued(outB, acks, v -> new LyapunovSupervisor.ShardDone(v, 0, p, new double[]{1})));
                        if (paths.contains("latency")) {
                            latency(transport, path, "broadcast", n, outA, acks, v -> new StudentTrainer.StudentParams(v, p));
                            latency(transport, path, "gather", n, outB, acks, v -> new LyapunovSupervisor.ShardDone(v, 0, p, new double[]{1}));
                        }
                    }
                }
            }
        }
    }

    /** (b) Single messages on a 16 MiB large-message stream, at most --window unacknowledged (the design before chunking). */
    private void single(Transport transport) throws Exception {
        String term = "aeron.term.buffer.length";
        String before = System.getProperty(term);
        System.setProperty(term, "134217728");   // a 16 MiB message needs a 128 MiB term
        var frames = ConfigFactory.parseString("pekko.remote.artery.advanced { maximum-large-frame-size = 16 MiB\n large-buffer-pool-size = 4\n"
                + " outbound-large-message-queue-size = 64 }").withFallback(QUIET);
        Semaphore acks = new Semaphore(0);
        CompletableFuture<ActorRef<Object>> sinkA = new CompletableFuture<>(), sinkB = new CompletableFuture<>();
        try (ClusterNode a = ClusterNode.start(loopback(Set.of("supervisor"), List.of(), transport), frames, host(sinkA, null, acks));
             ClusterNode b = ClusterNode.start(loopback(Set.of("trainer"), List.of(a.hostPort()), transport), frames,
                     host(sinkB, null, acks))) {
            ActorRef<Object> toB = remote(b, sinkB.get(), a), toA = remote(a, sinkA.get(), b);
            for (int n : sizes) {
                if (4L * n + 64 * 1024 > 16L * 1024 * 1024) continue;   // does not fit one message
                float[] p = tensor(n);
                report(transport, "single message", "broadcast", n, windowed(toB, acks, v -> new StudentTrainer.StudentParams(v, p)));
                report(transport, "single message", "gather", n, windowed(toA, acks, v -> new LyapunovSupervisor.ShardDone(v, 0, p, new double[]{1})));
            }
        } finally {
            if (before == null) System.clearProperty(term);
            else System.setProperty(term, before);
        }
    }

    /** (c) Raw bytes over a dedicated Aeron stream (two embedded media drivers, no Pekko, no Kryo). */
    private void aeronStream() throws Exception {
        try (AeronStreamThroughput aeron = new AeronStreamThroughput()) {
            for (int n : sizes) {
                int port;
                try (var s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
                    port = s.getLocalPort();
                }
                double seconds = aeron.secondsFor(n, Math.max(2, messages / 10), messages, port);
                report(null, "dedicated Aeron stream", "one-way", n, seconds);
            }
        }
    }

    private void ratios() {
        for (String t : transports) {
            for (int n : sizes) {
                Double raw = rates.get("dedicated Aeron stream - one-way " + n);
                for (var e : rates.entrySet()) {
                    String k = e.getKey();
                    if (!k.startsWith("chunked") || !k.endsWith(" " + t + " broadcast " + n) && !k.endsWith(" " + t + " gather " + n)) continue;
                    String base = k.substring(0, k.length() - String.valueOf(n).length() - 1);
                    Double single = rates.get(k.replaceFirst("^chunked [^ ]+ KiB x\\d+", "single message"));
                    if (single == null && raw == null) continue;
                    System.out.printf("ratio %-44s %9d: %s%s%n", base, n,
                            single == null ? "" : String.format("%.2f of single messages  ", e.getValue() / single),
                            raw == null ? "" : String.format("%.2f of the dedicated Aeron stream", e.getValue() / raw));
                }
            }
        }
    }

    private static float[] tensor(int n) {
        float[] p = new float[n];
        for (int i = 0; i < n; i++) p[i] = i * 1e-3f;
        return p;
    }

    /** Tells warm-up + timed messages to a chunked link at once (it sends them one after the other); returns seconds for the timed ones. */
    private double queued(ActorRef<Object> link, Semaphore acks, java.util.function.LongFunction<Object> message) throws InterruptedException {
        int warm = Math.max(2, messages / 10);
        for (int i = 0; i < warm; i++) link.tell(message.apply(i));
        if (!acks.tryAcquire(warm, 300, TimeUnit.SECONDS)) throw new IllegalStateException("warm-up messages lost");
        long t0 = System.nanoTime();
        for (int i = 0; i < messages; i++) link.tell(message.apply(warm + i));
        if (!acks.tryAcquire(messages, 600, TimeUnit.SECONDS)) throw new IllegalStateException("messages lost");
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * One message at a time (the next is told when the last has been delivered on the other node), as a step's
     * work message and last gradient travel: prints the median and the 10-90 % range of the delivery times in ms.
     */
    private void latency(Transport t, String path, String direction, int n, ActorRef<Object> link, Semaphore acks,
                         java.util.function.LongFunction<Object> message) throws InterruptedException {
        int warm = Math.max(2, messages / 10);
        double[] ms = new double[messages];
        for (int i = 0; i < warm + messages; i++) {
            if (i >= warm) Thread.sleep(5);   // the receiving side goes idle between messages, as between steps
            long t0 = System.nanoTime();
            link.tell(message.apply(1_000_000L + i));
            if (!acks.tryAcquire(120, TimeUnit.SECONDS)) throw new IllegalStateException("no delivery within 120 s");
            if (i >= warm) ms[i - warm] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(ms);
        System.out.printf("%-10s %-26s %-10s %-9d %7.2f   one at a time: median %.2f ms (10-90 %%: %.2f-%.2f)%n", t.artery(), path, direction, n,
                n * 4.0 / 1e6, ms[messages / 2], ms[messages / 10], ms[messages * 9 / 10]);
    }

    /** Sends warm-up + timed messages with at most {@code window} unacknowledged; returns seconds for the timed ones. */
    private double windowed(ActorRef<Object> to, Semaphore acks, java.util.function.LongFunction<Object> message) throws InterruptedException {
        int warm = Math.max(2, messages / 10);
        long t0 = 0;
        int inFlight = 0;
        for (int i = 0; i < warm + messages; i++) {
            if (i == warm) {
                if (!acks.tryAcquire(inFlight, 120, TimeUnit.SECONDS)) throw new IllegalStateException("acks lost during warm-up");
                inFlight = 0;
                t0 = System.nanoTime();
            }
            if (inFlight == window) {
                if (!acks.tryAcquire(120, TimeUnit.SECONDS)) throw new IllegalStateException("no ack within 120 s (message dropped?)");
                inFlight--;
            }
            to.tell(message.apply(i));
            inFlight++;
        }
        if (!acks.tryAcquire(inFlight, 120, TimeUnit.SECONDS)) throw new IllegalStateException("acks lost");
        return (System.nanoTime() - t0) / 1e9;
    }

    private void report(Transport t, String path, String direction, int n, double seconds) {
        double mb = n * 4.0 / 1e6;
        double rate = mb * messages / seconds;
        String transport = t == null ? "-" : t.artery();
        rates.put(path + " " + transport + " " + direction + " " + n, rate);
        System.out.printf("%-10s %-26s %-10s %-9d %7.2f %8.1f%n", transport, path, direction, n, mb, rate);
    }

    /**
     * A node guardian with /user/trainer-host/sink (a large-message destination) that acks every
     * message to the local semaphore, and /user/trainer-host/in, a ChunkReceiver delivering to it.
     */
    private static Behavior<Void> host(CompletableFuture<ActorRef<Object>> sink, CompletableFuture<ActorRef<ChunkReceiver.Command>> in,
                                       Semaphore acks) {
        return Behaviors.setup(ctx -> {
            ctx.spawn(Behaviors.<Void>setup(h -> {
                ActorRef<Object> s = h.spawn(Behaviors.receive(Object.class).onAnyMessage(m -> {
                    acks.release();
                    return Behaviors.same();
                }).build(), "sink");
                if (sink != null) sink.complete(s);
                if (in != null) in.complete(h.spawn(ChunkReceiver.create(s, TransferSettings.DEFAULTS), "in", TransferSettings.linkProps(h.getSystem())));
                return Behaviors.empty();
            }), "trainer-host");
            return Behaviors.empty();
        });
    }

    private static <T> ActorRef<T> remote(ClusterNode owner, ActorRef<T> ref, ClusterNode from) {
        return ActorRefResolver.get(from.system()).resolveActorRef(ActorRefResolver.get(owner.system()).toSerializationFormat(ref));
    }

    private TrainConfig trainConfig() throws Exception {
        if (config != null) return TrainConfig.fromJson(Files.readString(config)).with(Map.of("steps", steps));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "fixmatch");
        m.put("model", "vim-fmnist-tiny");
        m.put("steps", steps);
        m.put("b_l", 16);
        m.put("mu_ratio", 2);
        return TrainConfig.fromMap(m);
    }
}
