package org.semivim.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.actors.transfer.TransferSettings;
import org.semivim.cluster.ClusterNode;
import org.semivim.cluster.NodeMain;
import org.semivim.cluster.NodeRoles;
import org.semivim.cluster.NodeSettings;
import org.semivim.cluster.Transport;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The step-time part of {@code bench cluster}: a run in one ActorSystem (1 node), then the run
 * singleton on node A with its one trainer on node B (2 nodes: in this JVM, or with
 * {@code trainerJvm} B as a child JVM on 127.0.0.1), ms/step and CPU ms/step after {@code warm} steps,
 * where the CPU time went (this JVM's threads by kind, and the child's total), bit-identity, and the
 * bytes a step moves at the measured link rates.
 */
final class ClusterStepTimes {
    private ClusterStepTimes() {}

    /** Step times and CPU snapshots of one run; the listener fills them. */
    private static final class Probe {
        final long[] at;
        final int warm;
        volatile ProcessHandle child;
        volatile ThreadCpu first, last;

        Probe(long steps, int warm) {
            this.at = new long[(int) steps];
            this.teacherAt = new long[(int) steps];
            this.commitAt = new long[(int) steps];
            this.warm = warm;
        }

        void onStep(long step) {
            at[(int) step] = System.nanoTime();
            if (step == warm) first = ThreadCpu.now(child);
            if (step == at.length - 1) last = ThreadCpu.now(child);
        }

        int timed() {
            return at.length - 1 - warm;
        }

        double msPerStep() {
            return (at[at.length - 1] - at[warm]) / 1e6 / timed();
        }

        /** Supervisor-side moments of each step: TeacherInference starts it, the supervisor has all its gradients. */
        final long[] teacherAt, commitAt;
        final org.semivim.actors.FlowGauges gauges = new org.semivim.actors.FlowGauges();

        RunOptions options() {
            return RunOptions.defaults().withListener(r -> onStep(r.step())).withGauges(gauges).withHooks(new org.semivim.actors.RunHooks() {
                @Override
                public void beforePseudoLabels(long step) {
                    if (step < teacherAt.length) teacherAt[(int) step] = System.nanoTime();
                }

                @Override
                public void beforeCommit(long step) {
                    if (step < commitAt.length) commitAt[(int) step] = System.nanoTime();
                    if (step == warm) gauges.resetWork();
                }
            });
        }

        /** "teacher a ms; teacher start → all gradients b ms; commit → next teacher start c ms" over the timed steps. */
        String phases() {
            double toGrad = 0, toNext = 0;
            for (int t = warm + 1; t < at.length; t++) {
                toGrad += (commitAt[t] - teacherAt[t]) / 1e6;
                toNext += (teacherAt[t] - commitAt[t - 1]) / 1e6;
            }
            int n = timed();
            long pl = gauges.workCount(org.semivim.actors.FlowGauges.Work.PSEUDO_LABEL), sh = gauges.workCount(org.semivim.actors.FlowGauges.Work.SHARDS);
            return String.format("teacher %.1f ms, teacher start -> last gradient in %.1f ms (shards%s), commit -> next teacher start %.1f ms",
                    pl == 0 ? 0 : gauges.workNanos(org.semivim.actors.FlowGauges.Work.PSEUDO_LABEL) / 1e6 / pl, toGrad / n,
                    sh == 0 ? " on the other node" : String.format(" %.1f ms", gauges.workNanos(org.semivim.actors.FlowGauges.Work.SHARDS) / 1e6 / pl),
                    toNext / n);
        }

        double cpuMsPerStep() {
            return (last.process - first.process + last.child - first.child) / 1e6 / timed();
        }
    }

    /**
     * {@code aeronDir}: the media driver every aeron-udp node of the 2-node runs uses (the child's too); null: embedded drivers.
     * {@code repeats}: timed (1 node, 2 nodes) pairs after the warm-up runs, each pair printed, then the medians over the pairs
     * (adjacent pairs see about the same load from other jobs).
     */
    static void run(Transport transport, TrainConfig c, int warmSteps, boolean trainerJvm, Map<String, Double> rates, Path aeronDir,
                    int repeats) throws Exception {
        TrainingData data = TrainingData.load(c.data());
        int warm = Math.max(0, Math.min(warmSteps, (int) c.steps() - 2));
        RunOrchestrator.run(c, data, RunOptions.defaults());   // warm-up: JIT, workspaces
        // a 2-node warm-up run too (JIT of the 2-node code paths on both nodes); with a trainer JVM the same child stays
        // for the timed runs: the warm-up's supervisor leaves and each timed one joins through the trainer node
        // the critical path: stamps of both nodes (StepTimeline), this JVM's in memory, the child's in a file it writes at exit
        Path stamps = trainerJvm ? java.nio.file.Files.createTempDirectory("semivim-bench-timeline") : null;
        TrainerJvm child = trainerJvm ? new TrainerJvm(transport, aeronDir, stamps) : null;
        List<double[]> pairs = new ArrayList<>();
        List<List<org.semivim.actors.StepTimeline.Event>> runStamps = new ArrayList<>();
        List<long[]> windows = new ArrayList<>();
        try {
            twoNodes(transport, c, data, new Probe(c.steps(), warm), child, aeronDir);
            for (int k = 0; k < repeats; k++) {
                Probe one = new Probe(c.steps(), warm);
                RunResult r1 = RunOrchestrator.run(c, data, one.options());
                Probe two = new Probe(c.steps(), warm);
                long from = System.nanoTime();
                org.semivim.actors.StepTimeline.start();
                RunResult r2;
                try {
                    r2 = twoNodes(transport, c, data, two, child, aeronDir);
                } finally {
                    runStamps.add(org.semivim.actors.StepTimeline.stop());
                }
                windows.add(new long[]{from, System.nanoTime()});
                pairs.add(report(transport, c, trainerJvm, rates, aeronDir, one, two, r1, r2));
            }
        } finally {
            if (child != null) child.close();
        }
        List<org.semivim.actors.StepTimeline.Event> childStamps = new ArrayList<>();
        if (child != null) {
            Path file = stamps.resolve("timeline-" + child.process.pid() + ".tsv");
            if (java.nio.file.Files.exists(file)) childStamps = org.semivim.actors.StepTimeline.read(file);
            else System.out.println("  (the trainer JVM wrote no step timeline: the critical path lacks its stamps)");
            try (var files = java.nio.file.Files.list(stamps)) {
                for (Path f : files.toList()) java.nio.file.Files.delete(f);
            }
            java.nio.file.Files.delete(stamps);
        }
        criticalPaths(transport, aeronDir, warm, runStamps, windows, childStamps);
        if (repeats > 1) {
            double[] added = pairs.stream().mapToDouble(p -> p[1] - p[0]).sorted().toArray();
            double[] share = pairs.stream().mapToDouble(p -> 100 * (p[1] - p[0]) / p[1]).sorted().toArray();
            double[] transfer = pairs.stream().mapToDouble(p -> p[2]).sorted().toArray();
            System.out.printf("medians of %d pairs (%s%s): 1 node %.1f ms/step, 2 nodes %.1f ms/step, added %.1f ms (%.1f%% of a 2-node step;"
                            + " pairs %.1f … %.1f %%; the added time holds the second JVM's CPU on the same cores too), transfer CPU %.1f ms/step (%.1f … %.1f)%n",
                    repeats, transport.artery(), aeronDir != null ? ", one shared media driver" : "", median(pairs.stream().mapToDouble(p -> p[0]).sorted().toArray()),
                    median(pairs.stream().mapToDouble(p -> p[1]).sorted().toArray()), median(added), median(share), share[0],
                    share[share.length - 1], median(transfer), transfer[0], transfer[transfer.length - 1]);
        }
    }

    /** Each timed 2-node run's critical path (its stamps and the child's within its window), then the medians over the runs. */
    private static void criticalPaths(Transport transport, Path aeronDir, int warm, List<List<org.semivim.actors.StepTimeline.Event>> runStamps,
                                      List<long[]> windows, List<org.semivim.actors.StepTimeline.Event> childStamps) {
        List<CriticalPathReport.Breakdown> all = new ArrayList<>();
        for (int k = 0; k < runStamps.size(); k++) {
            List<org.semivim.actors.StepTimeline.Event> merged = new ArrayList<>(runStamps.get(k));
            merged.addAll(CriticalPathReport.within(childStamps, windows.get(k)[0], windows.get(k)[1]));
            CriticalPathReport.Breakdown b = CriticalPathReport.of(merged, warm + 1);
            if (b == null) {
                System.out.printf("critical path, 2 nodes, pair %d: no complete timed step%n", k + 1);
                continue;
            }
            all.add(b);
            System.out.printf("critical path, 2 nodes (%s), pair %d, means of %d timed steps (the parts add up to the step): %s%n",
                    transport.artery(), k + 1, b.steps(), b.line());
            System.out.printf("  on the path or not, per step: %s%n", b.durations());
        }
        if (all.size() > 1) {
            double[] share = all.stream().mapToDouble(CriticalPathReport.Breakdown::sharePercent).sorted().toArray();
            double[] comm = all.stream().mapToDouble(CriticalPathReport.Breakdown::communicationMs).sorted().toArray();
            double[] step = all.stream().mapToDouble(CriticalPathReport.Breakdown::stepMs).sorted().toArray();
            System.out.printf("critical path medians of %d pairs (%s%s): 2-node step %.1f ms, communication on the critical path %.1f ms ="
                            + " %.1f%% of a step (pairs %.1f … %.1f %%; target <= 10%%)%n", all.size(), transport.artery(),
                    aeronDir != null ? ", one shared media driver" : "", median(step), median(comm), median(share), share[0], share[share.length - 1]);
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Prints one timed pair; returns {1-node ms/step, 2-node ms/step, transfer CPU ms/step}. */
    private static double[] report(Transport transport, TrainConfig c, boolean trainerJvm, Map<String, Double> rates, Path aeronDir,
                                   Probe one, Probe two, RunResult r1, RunResult r2) {
        double msOne = one.msPerStep(), msTwo = two.msPerStep();
        double[] load = loadAverage();
        System.out.printf("steps %d (%s, P = %d floats = %.2f MB, %d timed): 1 node %.1f ms/step, 2 nodes (%s, trainer node %s) %.1f ms/step,"
                        + " added by the second node %.1f ms (%.1f%% of a 2-node step: communication and the second JVM's CPU on the same cores), bit_identical=%s, load %.2f%n",
                c.steps(), c.method().configName(), r1.student().length, r1.student().length * 4e-6, one.timed(), msOne,
                transport.artery() + (aeronDir != null ? ", one shared media driver" : transport == Transport.AERON_UDP ? ", embedded media drivers" : ""),
                trainerJvm ? "in a child JVM" : "in this JVM", msTwo, msTwo - msOne, 100 * (msTwo - msOne) / msTwo,
                Arrays.equals(r1.student(), r2.student()) && Arrays.equals(r1.teacher(), r2.teacher()), load[0]);
        System.out.printf("  CPU ms/step (every thread of both nodes): 1 node %.1f, 2 nodes %.1f (%+.1f)%s%n", one.cpuMsPerStep(), two.cpuMsPerStep(),
                two.cpuMsPerStep() - one.cpuMsPerStep(),
                trainerJvm ? String.format("; of them the trainer JVM %.1f", (two.last.child - two.first.child) / 1e6 / two.timed()) : "");
        System.out.printf("  per step, 1 node: %s%n  per step, 2 nodes: %s%n", one.phases(), two.phases());
        Map<String, Long> a = one.last.since(one.first), b = two.last.since(two.first);
        double javaOne = a.values().stream().mapToLong(Long::longValue).sum() / 1e6 / one.timed();
        double javaTwo = b.values().stream().mapToLong(Long::longValue).sum() / 1e6 / two.timed();
        System.out.printf("  CPU ms/step of this JVM's Java threads (no JIT, no GC; steadier): 1 node %.1f, 2 nodes %.1f (%+.1f)%s%n", javaOne, javaTwo,
                javaTwo - javaOne, trainerJvm ? " (the trainer JVM not included)" : "");
        double transferCpu = 0;
        for (String group : b.keySet()) {
            double x = a.getOrDefault(group, 0L) / 1e6 / one.timed(), y = b.get(group) / 1e6 / two.timed();
            System.out.printf("    %-78s 1 node %6.1f   2 nodes %6.1f ms/step%n", group, x, y);
            if (!group.equals(ThreadCpu.ENGINE_POOL) && !group.equals(ThreadCpu.PINNED_ACTORS)) transferCpu += y - x;
        }
        for (String group : a.keySet()) {   // a thread kind only the 1-node run had
            if (!b.containsKey(group) && !group.equals(ThreadCpu.ENGINE_POOL) && !group.equals(ThreadCpu.PINNED_ACTORS)) transferCpu -= a.get(group) / 1e6 / one.timed();
        }
        System.out.printf("  transfer CPU (this JVM's threads except the engine pool and the pinned actors, 2 nodes - 1 node): %.1f ms/step%s%n",
                transferCpu, trainerJvm ? " (the trainer JVM not included)" : "");
        System.out.printf("    %-78s 1 node %6.1f   2 nodes %6.1f ms/step (wall time of collections)%n", "GC", (one.last.gcMillis - one.first.gcMillis)
                / (double) one.timed(), (two.last.gcMillis - two.first.gcMillis) / (double) two.timed());
        System.out.printf("    %-78s 1 node %6.1f   2 nodes %6.1f ms/step%n", "JIT compiler threads", (one.last.jitMillis - one.first.jitMillis)
                / (double) one.timed(), (two.last.jitMillis - two.first.jitMillis) / (double) two.timed());
        int p = r1.student().length;
        double mbTensor = p * 4e-6;
        TransferSettings runtime = TransferSettings.of(ConfigFactory.load("semivim-cluster"));   // the links' settings in a run
        String path = "chunked " + (runtime.chunkBytes() / 1024) + " KiB x" + runtime.window() + " " + transport.artery();
        Double down = rates.get(path + " broadcast " + p), up = rates.get(path + " gather " + p);
        if (down != null && up != null) {
            int shards = c.shards();
            double all = 1e3 * (mbTensor / down + shards * mbTensor / up), exposed = 1e3 * (mbTensor / down + mbTensor / up);
            System.out.printf("  per step across nodes: θ + %d shard gradients = %.2f MB; at this run's rates of the runtime's links (%.0f / %.0f MB/s)"
                            + " %.1f ms if nothing overlapped, %.1f ms exposed (θ before the first shard, the last gradient after it;"
                            + " the others overlap the next shard's compute) = %.1f%% of a 2-node step%n",
                    shards, (1 + shards) * mbTensor, down, up, all, exposed, 100 * exposed / msTwo);
        }
        return new double[]{msOne, msTwo, transferCpu};
    }

    /**
     * The run singleton on a supervisor node in this JVM, its trainer on a second node: in this JVM ({@code child} null) or
     * {@code child}'s (started here on the first call, joined through on later ones).
     */
    private static RunResult twoNodes(Transport transport, TrainConfig c, TrainingData data, Probe probe, TrainerJvm child, Path aeronDir) throws Exception {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        var spec = new NodeRoles.RunSpec(c, data, probe.options(), result);
        Config quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        List<String> seeds = child == null || child.hostPort == null ? List.of() : List.of(child.hostPort);
        try (ClusterNode sup = ClusterNode.start(node(Set.of("supervisor"), seeds, transport, aeronDir), quiet,
                NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec))) {
            if (child == null) {
                try (ClusterNode trainer = ClusterNode.start(node(Set.of("trainer"), List.of(sup.hostPort()), transport, aeronDir), quiet,
                        NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null))) {
                    return result.get(30, TimeUnit.MINUTES);
                }
            }
            if (child.hostPort == null) child.start(sup.hostPort());
            probe.child = child.process.toHandle();
            return result.get(30, TimeUnit.MINUTES);
        }
    }

    private static NodeSettings node(Set<String> roles, List<String> seeds, Transport transport, Path aeronDir) {
        NodeSettings s = NodeSettings.loopback(roles, seeds, 0, transport);
        return aeronDir == null ? s : s.withExternalMediaDriver(aeronDir);
    }

    /** A trainer node in a child JVM (this JVM's flags and class path) on 127.0.0.1; it outlives the supervisor nodes that join through it. */
    private static final class TrainerJvm implements AutoCloseable {
        private final Transport transport;
        private final Path aeronDir;
        Process process;
        volatile String hostPort;

        private final Path stamps;

        /** {@code stamps}: where the child writes its step timeline when it exits. */
        TrainerJvm(Transport transport, Path aeronDir, Path stamps) {
            this.transport = transport;
            this.aeronDir = aeronDir;
            this.stamps = stamps;
        }

        /** Starts the child joining {@code seed}; returns once it printed "node up host:port". */
        void start(String seed) throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-XX:StartFlightRecording")) cmd.add(arg);
            }
            // extra JVM options for the child alone (e.g. its own -XX:StartFlightRecording=filename=...), split at spaces
            String childOpts = System.getenv("SEMIVIM_TRAINER_JVM_OPTS");
            if (childOpts != null) for (String opt : childOpts.trim().split("\\s+")) if (!opt.isEmpty()) cmd.add(opt);
            cmd.add("-D" + org.semivim.actors.StepTimeline.DIRECTORY_PROPERTY + "=" + stamps);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NodeMain.class.getName(), "--role", "trainer", "--port", "0",
                    "--seed-nodes", seed, "--transport", transport.artery()));
            if (aeronDir != null) cmd.addAll(List.of("--aeron-dir", aeronDir.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().putIfAbsent("OPENBLAS_NUM_THREADS", "1");
            Process p = pb.start();
            process = p;
            CompletableFuture<String> up = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("node up ")) up.complete(line.split(" ")[2]);   // "node up 127.0.0.1:PORT roles [...] ..."
                    }
                } catch (Exception e) {
                    // the child is gone
                }
                up.completeExceptionally(new IllegalStateException("the trainer JVM exited before it was up"));
            }, "bench-trainer-jvm-stdout");
            reader.setDaemon(true);
            reader.start();
            try {
                hostPort = up.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                throw new IllegalStateException("the trainer JVM did not come up: " + e.getMessage(), e);
            }
        }

        /** SIGTERM (the node leaves), SIGKILL after 30 s. */
        @Override
        public void close() throws InterruptedException {
            if (process == null) return;
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }

    private static double[] loadAverage() {
        return new double[]{ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()};
    }
}
