package org.semivim.cli;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.DataLoader;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.actors.StudentTrainer;
import org.semivim.cluster.ClusterNode;
import org.semivim.cluster.NodeRoles;
import org.semivim.cluster.NodeSettings;
import org.semivim.cluster.Transport;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Cluster transport and step-time benchmark (issue 6), two nodes in this JVM on loopback:
 * (1) parameter broadcast (StudentParams [P] to a trainer) and gradient gather (ShardDone [P] to the
 * supervisor side) in MB/s over each transport, on Artery's large-message stream with a window of
 * unacknowledged messages; (2) ms/step of a run in one ActorSystem vs the run singleton on one node
 * and its trainer on a second node, and the share of the step the second node adds.
 */
@Command(name = "cluster", description = "Cluster: broadcast/gather MB/s over tcp and aeron-udp; 1-node vs 2-node step time.")
final class ClusterBench implements Callable<Integer> {
    @Option(names = "--transports", split = ",", defaultValue = "tcp,aeron-udp", description = "transports (default ${DEFAULT-VALUE})")
    List<String> transports;

    @Option(names = "--floats", split = ",", defaultValue = "262144,2097152", description = "tensor sizes in floats (default ${DEFAULT-VALUE})")
    int[] sizes;

    @Option(names = "--messages", defaultValue = "40", description = "timed messages per size and direction (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--window", defaultValue = "4", description = "unacknowledged messages in flight (default ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--config", description = "TrainConfig JSON for the step-time part (default: fixmatch, vim-fmnist-tiny, b_l 16, mu 2)")
    Path config;

    @Option(names = "--steps", defaultValue = "20", description = "steps of the step-time runs (default ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--skip-steps", description = "only the transport part")
    boolean skipSteps;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || window < 1) throw new IllegalArgumentException("--messages and --window must be at least 1");
        NodeSettings.AERON_SYSTEM_PROPERTIES.forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
        if (System.getProperty("aeron.term.buffer.length") == null) System.setProperty("aeron.term.buffer.length", "134217728");
        System.out.printf("transport   direction  floats     MB/msg   MB/s   (%d msgs, window %d, large-message stream)%n", messages, window);
        for (String t : transports) throughput(Transport.of(t));
        if (!skipSteps) stepTimes(Transport.of(transports.get(0)));
        return 0;
    }

    private void throughput(Transport transport) throws Exception {
        var quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        Semaphore acks = new Semaphore(0);
        CompletableFuture<ActorRef<Object>> sinkA = new CompletableFuture<>(), sinkB = new CompletableFuture<>();
        try (ClusterNode a = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, transport), quiet, host(sinkA, acks));
             ClusterNode b = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(a.hostPort()), 0, transport), quiet, host(sinkB, acks))) {
            ActorRef<Object> toB = remote(b, sinkB.get(), a), toA = remote(a, sinkA.get(), b);
            for (int n : sizes) {
                float[] p = new float[n];
                for (int i = 0; i < n; i++) p[i] = i * 1e-3f;
                report(transport, "broadcast", n, send(toB, acks, v -> new StudentTrainer.StudentParams(v, p)));
                report(transport, "gather", n, send(toA, acks, v -> new LyapunovSupervisor.ShardDone(v, 0, p, new double[]{1})));
            }
        }
    }

    /** Sends warm-up + timed messages with at most {@code window} unacknowledged; returns seconds for the timed ones. */
    private double send(ActorRef<Object> to, Semaphore acks, java.util.function.LongFunction<Object> message) throws InterruptedException {
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

    private void report(Transport t, String direction, int n, double seconds) {
        double mb = n * 4.0 / 1e6;
        System.out.printf("%-11s %-10s %-10d %6.2f  %7.1f%n", t.artery(), direction, n, mb, mb * messages / seconds);
    }

    /** A node guardian with /user/trainer-host/sink (a large-message destination) that acks every message to the local semaphore. */
    private static Behavior<Void> host(CompletableFuture<ActorRef<Object>> sink, Semaphore acks) {
        return Behaviors.setup(ctx -> {
            ctx.spawn(Behaviors.<Void>setup(h -> {
                sink.complete(h.spawn(Behaviors.receive(Object.class).onAnyMessage(m -> {
                    acks.release();
                    return Behaviors.same();
                }).build(), "sink"));
                return Behaviors.empty();
            }), "trainer-host");
            return Behaviors.empty();
        });
    }

    private static ActorRef<Object> remote(ClusterNode owner, ActorRef<Object> ref, ClusterNode from) {
        return ActorRefResolver.get(from.system()).resolveActorRef(ActorRefResolver.get(owner.system()).toSerializationFormat(ref));
    }

    private void stepTimes(Transport transport) throws Exception {
        TrainConfig c = trainConfig();
        TrainingData data = TrainingData.load(c.data());
        RunOrchestrator.run(c, data, RunOptions.defaults());   // warm-up: JIT, workspaces
        long[] local = new long[(int) c.steps()];
        RunResult one = RunOrchestrator.run(c, data, RunOptions.defaults().withListener(r -> local[(int) r.step()] = System.nanoTime()));
        long[] cluster = new long[(int) c.steps()];
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        var spec = new NodeRoles.RunSpec(c, data, RunOptions.defaults().withListener(r -> cluster[(int) r.step()] = System.nanoTime()), result);
        var quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        RunResult two;
        try (ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, transport), quiet,
                NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec));
             ClusterNode trainer = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(sup.hostPort()), 0, transport), quiet,
                     NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null))) {
            two = result.get(30, TimeUnit.MINUTES);
        }
        int warm = Math.min(3, (int) c.steps() - 2);
        double msOne = msPerStep(local, warm), msTwo = msPerStep(cluster, warm);
        System.out.printf("steps %d (%s, P = %d floats = %.2f MB): 1 node %.1f ms/step, 2 nodes (%s) %.1f ms/step,"
                        + " added by the second node %.1f ms (%.1f%% of a 2-node step; target <= 10%%), bit_identical=%s%n",
                c.steps(), c.method().configName(), one.student().length, one.student().length * 4e-6, msOne, transport.artery(), msTwo,
                msTwo - msOne, 100 * (msTwo - msOne) / msTwo,
                Arrays.equals(one.student(), two.student()) && Arrays.equals(one.teacher(), two.teacher()));
    }

    private static double msPerStep(long[] t, int warm) {
        return (t[t.length - 1] - t[warm]) / 1e6 / (t.length - 1 - warm);
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
