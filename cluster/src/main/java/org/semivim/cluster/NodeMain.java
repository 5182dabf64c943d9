package org.semivim.cluster;

import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A cluster node as a process (what {@code semivim node} runs; the multi-JVM tests start it
 * directly). A node with role supervisor and a run ({@code --run config.json --run-dir DIR}) may
 * host the run singleton; every supervisor-role node gets the same config and run directory (shared
 * storage), so the singleton resumes from the newest checkpoint wherever it restarts. The node that
 * finishes the run writes {@code DIR/final-params.bin} ({@link #writeParams}), prints
 * {@code run finished <steps>} and exits 0. Prints {@code node up <host:port>} once joined and
 * {@code step <t>} for each step its singleton commits; a node with role teacher prints {@code labelled <t>}
 * for each step its TeacherInference (placed there by the run) pseudo-labels.
 * <pre>
 *   NodeMain --role trainer --seed-nodes 127.0.0.1:25520 --port 0 [--transport tcp] [--join-timeout 30]
 *   NodeMain --role supervisor --port 25520 --run cfg.json --run-dir /shared/run [--checkpoint-every 5] [--augmenters 2]
 *   NodeMain --role data --seed-nodes 127.0.0.1:25520 --port 0 [--augmenters 2]   (augmenters per run on this node)
 *   NodeMain --role teacher --seed-nodes 127.0.0.1:25520 --port 0               (hosts the run's TeacherInference)
 *   NodeMain --role trainer --transport aeron-udp --aeron-dir /dev/shm/semivim-driver ...   (uses this machine's media driver)
 * </pre>
 */
public final class NodeMain {
    /** The final parameters a finished run leaves in its run directory. */
    public static final String FINAL_PARAMS = "final-params.bin";

    /** A node and, optionally, the run it may host. */
    public record Launch(NodeSettings settings, Path runConfig, Path runDirectory, long checkpointEvery, int augmenters) {}

    private NodeMain() {}

    /** On a teacher node: prints {@code labelled <t>} before its TeacherInference pseudo-labels step t (a run placed it here). */
    private static final org.semivim.actors.RunHooks PRINT_LABELLED = new org.semivim.actors.RunHooks() {
        @Override
        public void beforePseudoLabels(long step) {
            System.out.println("labelled " + step);
            System.out.flush();
        }
    };

    public static void main(String[] args) {
        try {
            System.exit(run(parse(args)));
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            System.err.println("semivim node: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Runs the node until it stops (0), or until the run it hosts finishes (0) or fails (1). */
    public static int run(Launch launch) throws IOException {
        return run(launch, org.semivim.actors.RunHooks.NONE);
    }

    /** As {@link #run(Launch)}, the run's actors on this node given {@code hooks} (tests: a node held at a step). */
    public static int run(Launch launch, org.semivim.actors.RunHooks hooks) throws IOException {
        NodeSettings settings = launch.settings();
        NodeRoles.RunSpec spec = null;
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        if (launch.runConfig() != null) {
            if (!settings.roles().contains("supervisor")) throw new IllegalArgumentException("--run needs role supervisor");
            if (launch.runDirectory() == null) throw new IllegalArgumentException("--run needs --run-dir (shared by every supervisor node)");
            TrainConfig config = TrainConfig.fromJson(Files.readString(launch.runConfig()));
            RunOptions options = RunOptions.defaults().withAugmenters(launch.augmenters())
                    .withRunDirectory(launch.runDirectory(), launch.checkpointEvery())
                    .withHooks(hooks)
                    .withListener(r -> {
                        System.out.println("step " + r.step());
                        System.out.flush();
                    });
            spec = new NodeRoles.RunSpec(config, TrainingData.load(config.data()), options, result);
        }
        ClusterNode node = ClusterNode.start(settings, com.typesafe.config.ConfigFactory.empty(), NodeRoles.guardian(settings.roles(), Ops.cpu(), spec,
                launch.augmenters(), settings.roles().contains("teacher") ? PRINT_LABELLED : org.semivim.actors.RunHooks.NONE));
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "semivim-node-leave"));
        System.out.println("node up " + node.hostPort() + " roles " + settings.roles().stream().sorted().toList() + " transport " + settings.transport().artery());
        System.out.flush();
        if (spec == null) {
            try {
                node.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
        try {
            RunResult r = result.get();
            writeParams(launch.runDirectory().resolve(FINAL_PARAMS), r);
            System.out.println("run finished " + r.steps());
            System.out.flush();
            return 0;
        } catch (ExecutionException e) {
            System.err.println("semivim node: run failed: " + e.getCause().getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Writes steps, θS and θT (absent: length −1) as big-endian raw bits, atomically. */
    public static void writeParams(Path file, RunResult r) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
            out.writeLong(r.steps());
            for (float[] p : new float[][]{r.student(), r.teacher()}) {
                out.writeInt(p == null ? -1 : p.length);
                if (p != null) for (float f : p) out.writeInt(Float.floatToRawIntBits(f));
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads what {@link #writeParams} wrote. */
    public static RunResult readParams(Path file) throws IOException {
        try (InputStream is = Files.newInputStream(file); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is))) {
            long steps = in.readLong();
            float[][] p = new float[2][];
            for (int k = 0; k < 2; k++) {
                int n = in.readInt();
                if (n < -1) throw new IOException(file + " is corrupt: parameter count " + n);
                if (n >= 0) {
                    p[k] = new float[n];
                    for (int i = 0; i < n; i++) p[k][i] = Float.intBitsToFloat(in.readInt());
                }
            }
            return new RunResult(steps, p[0], p[1]);
        }
    }

    static Launch parse(String[] args) {
        List<String> roles = null;
        List<String> seeds = List.of();
        String hostname = "127.0.0.1";
        int port = 25520;
        String transport = "tcp";
        Path config = null;
        Path runConfig = null;
        Path runDir = null;
        long every = 0;
        int augmenters = NodeRoles.DEFAULT_AUGMENTERS;
        int joinTimeout = 30;
        Path aeronDir = null;
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException("option " + key + " needs a value");
            String v = args[++i];
            switch (key) {
                case "--role" -> roles = Arrays.asList(v.split(","));
                case "--seed-nodes" -> seeds = v.isEmpty() ? List.of() : Arrays.asList(v.split(","));
                case "--hostname" -> hostname = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--transport" -> transport = v;
                case "--config" -> config = Path.of(v);
                case "--run" -> runConfig = Path.of(v);
                case "--run-dir" -> runDir = Path.of(v);
                case "--checkpoint-every" -> every = Long.parseLong(v);
                case "--augmenters" -> augmenters = Integer.parseInt(v);
                case "--join-timeout" -> joinTimeout = Integer.parseInt(v);
                case "--aeron-dir" -> aeronDir = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + key);
            }
        }
        if (roles == null) throw new IllegalArgumentException("--role is required");
        NodeSettings settings = new NodeSettings(new LinkedHashSet<>(roles), seeds, hostname, port, Transport.of(transport),
                Optional.ofNullable(config), Duration.ofSeconds(joinTimeout), Optional.ofNullable(aeronDir).map(p -> p.toAbsolutePath().normalize()));
        return new Launch(settings, runConfig, runDir, every, augmenters);
    }
}
