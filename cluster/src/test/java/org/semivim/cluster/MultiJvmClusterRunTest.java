package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several JVMs on 127.0.0.1 (tcp; some cases aeron-udp): trainer nodes (and in the last test the supervisor nodes) are child
 * processes of this test, killed in finally. Every run must end with the parameters of the one-JVM
 * runtime, bit for bit.
 */
class MultiJvmClusterRunTest {

    private static final Path FAST_DOWNING = resource("fast-downing.conf");

    @Test
    void oneTwoAndFourTrainerNodesGiveTheOneJvmParameters(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 6);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        for (int n : new int[]{1, 2, 4}) {
            RunResult r = runWithTrainerChildren(config, data, n, dir.resolve("n" + n), -1, null, Transport.TCP);
            assertArrayEquals(reference.student(), r.student(), n + " trainer nodes: student");
            assertArrayEquals(reference.teacher(), r.teacher(), n + " trainer nodes: teacher");
        }
    }

    @Test
    void twoTrainerNodesOverAeronUdpGiveTheOneJvmParameters(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 6);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        RunResult r = runWithTrainerChildren(config, data, 2, dir, -1, null, Transport.AERON_UDP);
        assertArrayEquals(reference.student(), r.student(), "aeron-udp: student");
        assertArrayEquals(reference.teacher(), r.teacher(), "aeron-udp: teacher");
    }

    /**
     * Supervisor (this JVM), a data node and a trainer node (child JVMs): the data node's augmenters
     * render the steps (the last one surely: the local augmenters retire once the data node's are found,
     * and the data node is Up before the trainer JVM starts), their views come chunked, and the
     * parameters are the one-JVM run's, bit for bit.
     */
    @Test
    void aDataNodeRendersTheStepsAndTheParametersAreTheOneJvmOnes(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 6);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        java.util.Set<Long> renderedLocally = java.util.concurrent.ConcurrentHashMap.newKeySet();
        RunOptions options = RunOptions.defaults().withHooks(new org.semivim.actors.RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedLocally.add(step);
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        List<ChildNode> children = new ArrayList<>();
        ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, Transport.TCP),
                ConfigFactory.parseFile(FAST_DOWNING.toFile()), NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(),
                        new NodeRoles.RunSpec(config, data, options, result)));
        try {
            ChildNode dataNode = new ChildNode(dir.resolve("data.log"), "--role", "data", "--port", "0", "--augmenters", "2",
                    "--seed-nodes", sup.hostPort(), "--config", FAST_DOWNING.toString());
            children.add(dataNode);
            dataNode.await("node up", Duration.ofSeconds(90));
            ChildNode trainer = new ChildNode(dir.resolve("trainer.log"), "--role", "trainer", "--port", "0",
                    "--seed-nodes", sup.hostPort(), "--config", FAST_DOWNING.toString());
            children.add(trainer);
            trainer.await("node up", Duration.ofSeconds(90));
            RunResult r = result.get(240, TimeUnit.SECONDS);
            assertArrayEquals(reference.student(), r.student(), "student with the augmenters on a data node");
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher with the augmenters on a data node");
            assertTrue(!renderedLocally.contains(config.steps() - 1), "the last step was rendered on the data node; locally " + renderedLocally);
        } finally {
            for (ChildNode c : children) c.close();
            sup.close();
        }
    }

    /** Above the old single-message limit: 16 MiB − 64 KiB of floats, the most one Artery (Aeron) message could carry. */
    static final long OLD_LIMIT_FLOATS = (16L * 1024 * 1024 - 64 * 1024) / 4;

    @Test
    void aModelAboveTheSingleMessageLimitTrainsChunkedOnTwoTrainerNodesToTheOneJvmParameters(@TempDir Path dir) throws Exception {
        var m = TinyRuns.configMap("supervised", 3);
        var model = TinyRuns.vim(0.0);
        model.put("embed_dim", 192);
        model.put("depth", 17);
        m.put("model", model);
        m.put("shards", 2);
        m.put("b_l", 4);
        TrainConfig config = TrainConfig.fromMap(m);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        assertTrue(reference.student().length > OLD_LIMIT_FLOATS, reference.student().length + " parameters");
        RunResult r = runWithTrainerChildren(config, data, 2, dir, -1, null, Transport.TCP);
        assertArrayEquals(reference.student(), r.student(), "student of a " + reference.student().length + "-parameter model over chunked links");
    }

    @Test
    void aTrainerNodeKilledAtARandomStepHandsItsShardsToTheSurvivors(@TempDir Path dir) throws Exception {
        assertKillingATrainerNodeChangesNothing(dir, 24, 3, 3 + new Random().nextInt(10), Transport.TCP);
    }

    @Test
    void aTrainerNodeKilledOverAeronUdpHandsItsShardsToTheSurvivor(@TempDir Path dir) throws Exception {
        assertKillingATrainerNodeChangesNothing(dir, 12, 2, 2 + new Random().nextInt(4), Transport.AERON_UDP);
    }

    /**
     * FixMatch (its plain AdamW commit can be mirrored): two trainer JVMs, the first SIGKILLed at step 3;
     * the survivor then holds every shard, gets θS with the AdamW state and from then on only commit notes
     * (the mirror's θS is checked by digest; a wrong mirror without that check fails this test — checked
     * by breaking it once), and the run ends with the one-JVM bits, every step once.
     */
    @Test
    void aTrainerNodeLeftWithEveryShardMirrorsTheCommitsFromNotesToTheOneJvmParameters(@TempDir Path dir) throws Exception {
        assertKillingATrainerNodeChangesNothing(dir, "fixmatch", 12, 2, 3, Transport.TCP);
    }

    private static void assertKillingATrainerNodeChangesNothing(Path dir, long steps, int trainers, long killAt, Transport transport)
            throws Exception {
        assertKillingATrainerNodeChangesNothing(dir, "lyapema", steps, trainers, killAt, transport);
    }

    /** A run of {@code method} for {@code steps} with {@code trainers} trainer JVMs, one SIGKILLed at step {@code killAt}: the one-JVM bits, every step once. */
    private static void assertKillingATrainerNodeChangesNothing(Path dir, String method, long steps, int trainers, long killAt, Transport transport)
            throws Exception {
        TrainConfig config = TinyRuns.config(method, steps);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        List<Long> committed = new CopyOnWriteArrayList<>();
        RunResult r = runWithTrainerChildren(config, data, trainers, dir, killAt, committed, transport);
        assertArrayEquals(reference.student(), r.student(), transport + ": student after killing a trainer node at step " + killAt);
        assertArrayEquals(reference.teacher(), r.teacher(), transport + ": teacher after killing a trainer node at step " + killAt);
        assertEquals(LongStream.range(0, config.steps()).boxed().toList(), committed, "every step committed once, in order");
    }

    /**
     * SIGTERM on a trainer JVM while the supervisor holds a step's commit: its shutdown hook leaves the
     * cluster, the process exits, its shards go to the other trainer, and the run ends bit-identical.
     */
    @Test
    void aTrainerNodeStoppedWithSigtermLeavesAndHandsOverItsShards(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 8);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        long stopAt = 2 + new Random().nextInt(3);
        CompletableFuture<Void> atStopPoint = new CompletableFuture<>(), gone = new CompletableFuture<>();
        List<Long> steps = new CopyOnWriteArrayList<>();
        RunOptions options = RunOptions.defaults().withListener(rec -> steps.add(rec.step())).withHooks(new org.semivim.actors.RunHooks() {
            @Override
            public void beforeCommit(long step) {
                if (step != stopAt) return;
                atStopPoint.complete(null);
                gone.join();   // the commit waits until the node has left and exited
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        List<ChildNode> children = new ArrayList<>();
        ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, Transport.TCP),
                ConfigFactory.parseFile(FAST_DOWNING.toFile()), NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(),
                        new NodeRoles.RunSpec(config, data, options, result)));
        try {
            for (int i = 0; i < 2; i++) {
                children.add(new ChildNode(dir.resolve("trainer-" + i + ".log"), "--role", "trainer", "--port", "0",
                        "--seed-nodes", sup.hostPort(), "--config", FAST_DOWNING.toString()));
            }
            for (ChildNode c : children) c.await("node up", Duration.ofSeconds(90));
            atStopPoint.get(180, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            children.get(0).process.destroy();   // SIGTERM: the shutdown hook leaves the cluster
            assertTrue(children.get(0).process.waitFor(60, TimeUnit.SECONDS), "the node did not exit after SIGTERM");
            double seconds = (System.nanoTime() - t0) / 1e9;
            gone.complete(null);
            RunResult r = result.get(180, TimeUnit.SECONDS);
            assertArrayEquals(reference.student(), r.student(), "student after SIGTERM on a trainer node at step " + stopAt);
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher after SIGTERM on a trainer node at step " + stopAt);
            assertEquals(LongStream.range(0, config.steps()).boxed().toList(), steps, "every step committed once, in order");
            assertTrue(seconds < 30, "leaving and exiting took " + seconds + " s");
        } finally {
            gone.complete(null);
            for (ChildNode c : children) c.close();
            sup.close();
        }
    }

    @Test
    void theSupervisorNodeKilledMovesTheRunSingletonWhichResumesFromTheSharedCheckpoint(@TempDir Path dir) throws Exception {
        assertKillingTheSupervisorNodeChangesNothing(dir, Transport.TCP);
    }

    @Test
    void theSupervisorNodeKilledOverAeronUdpMovesTheRunSingletonWhichResumesFromTheSharedCheckpoint(@TempDir Path dir) throws Exception {
        assertKillingTheSupervisorNodeChangesNothing(dir, Transport.AERON_UDP);
    }

    /**
     * Two supervisor JVMs sharing a run directory (checkpoints every 3 steps), a trainer JVM and a
     * trainer node in this JVM. The first supervisor (the oldest: it hosts the run singleton) is held
     * before the commit of a random step k + 1 in [5, 15) ({@link HoldingNodeMain}) and SIGKILLed there;
     * the singleton moves to the second, which resumes from the newest checkpoint and finishes: final
     * parameters bit-identical to one JVM, and the second node itself committed step k + 1 (the first never
     * did) through the last step. The hold makes that evidence certain: without it a first node whose
     * output the test read late could finish the run before the kill, and the second would only
     * reload the final checkpoint.
     */
    private static void assertKillingTheSupervisorNodeChangesNothing(Path dir, Transport transport) throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 24);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, config.canonicalJson());
        Path runDir = dir.resolve("run");   // the shared storage of both supervisor nodes
        int seedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            seedPort = s.getLocalPort();
        }
        String seed = "127.0.0.1:" + seedPort;
        long killAfter = 4 + new Random().nextInt(10);
        List<ChildNode> children = new ArrayList<>();
        ClusterNode trainerHere = null;
        try {
            String[] supArgs = {"--role", "supervisor", "--run", cfg.toString(), "--run-dir", runDir.toString(), "--checkpoint-every", "3",
                    "--transport", transport.artery()};
            ChildNode first = new ChildNode(dir.resolve("sup-a.log"), HoldingNodeMain.class, concat(new String[]{String.valueOf(killAfter + 1)},
                    concat(supArgs, "--port", String.valueOf(seedPort), "--config", childConfig(dir, "sup-a").toString())));
            children.add(first);
            first.await("node up", Duration.ofSeconds(60));
            ChildNode second = new ChildNode(dir.resolve("sup-b.log"), concat(supArgs, "--port", "0", "--seed-nodes", seed,
                    "--config", childConfig(dir, "sup-b").toString()));
            children.add(second);
            second.await("node up", Duration.ofSeconds(60));
            children.add(new ChildNode(dir.resolve("trainer.log"), "--role", "trainer", "--port", "0", "--seed-nodes", seed,
                    "--transport", transport.artery(), "--config", childConfig(dir, "trainer").toString()));
            trainerHere = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(seed), 0, transport),
                    ConfigFactory.parseFile(FAST_DOWNING.toFile()).withFallback(aeronDir(dir.resolve("aeron-here"))),
                    NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
            first.await("holding before the commit of step " + (killAfter + 1), Duration.ofSeconds(180));
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();   // step k's line comes from MetricsReporter, which is not held
            while (first.lastStep() < killAfter && System.nanoTime() < end) Thread.sleep(20);
            assertEquals(killAfter, first.lastStep(), "the first supervisor node committed up to the held step");
            assertTrue(second.lastStep() < 0, "the singleton lived on the oldest supervisor node; second " + second.lines);
            first.kill();
            second.await("run finished", Duration.ofSeconds(180));
            RunResult r = NodeMain.readParams(runDir.resolve(NodeMain.FINAL_PARAMS));
            assertEquals(config.steps(), r.steps());
            assertArrayEquals(reference.student(), r.student(), transport + ": student after killing the supervisor node after step " + killAfter);
            assertArrayEquals(reference.teacher(), r.teacher(), transport + ": teacher after killing the supervisor node after step " + killAfter);
            // "run finished" is printed after the final checkpoint, which waits for every step record (and its "step" line) before it.
            List<Long> committedThere = second.steps();
            assertTrue(committedThere.contains(killAfter + 1) && committedThere.contains(config.steps() - 1),
                    "the singleton committed steps " + (killAfter + 1) + " to " + (config.steps() - 1) + " on the second node; it printed " + second.lines);
        } finally {
            if (trainerHere != null) trainerHere.close();
            for (ChildNode c : children) c.close();
        }
    }

    /** A child's --config: fast downing, and its Aeron files under the test's temp dir (a SIGKILLed node cannot delete them). */
    private static Path childConfig(Path dir, String name) throws IOException {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, Files.readString(FAST_DOWNING) + "\npekko.remote.artery.advanced.aeron.aeron-dir = \"" + dir.resolve("aeron-" + name) + "\"\n");
        return conf;
    }

    /**
     * The run singleton in this JVM, {@code n} trainer nodes as child JVMs; with {@code killAt >= 0}
     * the first child is SIGKILLed once step {@code killAt} is committed. Returns the run's result.
     */
    private static RunResult runWithTrainerChildren(TrainConfig config, TrainingData data, int n, Path dir, long killAt, List<Long> steps,
                                                    Transport transport) throws Exception {
        Files.createDirectories(dir);
        Config overrides = ConfigFactory.parseFile(FAST_DOWNING.toFile()).withFallback(aeronDir(dir.resolve("aeron-sup")));
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        CompletableFuture<Void> killPoint = new CompletableFuture<>();
        RunOptions options = RunOptions.defaults().withListener(rec -> {
            if (steps != null) steps.add(rec.step());
            if (rec.step() == killAt) killPoint.complete(null);
        });
        var spec = new NodeRoles.RunSpec(config, data, options, result);
        List<ChildNode> children = new ArrayList<>();
        ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, transport), overrides,
                NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec));
        try {
            for (int i = 0; i < n; i++) {
                Path conf = dir.resolve("trainer-" + i + ".conf");   // fast downing; Aeron's files under dir (a SIGKILLed node cannot delete them)
                Files.writeString(conf, Files.readString(FAST_DOWNING) + "\npekko.remote.artery.advanced.aeron.aeron-dir = \""
                        + dir.resolve("aeron-" + i) + "\"\n");
                children.add(new ChildNode(dir.resolve("trainer-" + i + ".log"), "--role", "trainer", "--port", "0",
                        "--seed-nodes", sup.hostPort(), "--config", conf.toString(), "--transport", transport.artery()));
            }
            for (ChildNode c : children) c.await("node up", Duration.ofSeconds(90));   // a child that cannot start fails here, with its output
            if (killAt >= 0) {
                killPoint.get(180, TimeUnit.SECONDS);
                children.get(0).kill();
            }
            return result.get(240, TimeUnit.SECONDS);
        } finally {
            for (ChildNode c : children) c.close();
            sup.close();
        }
    }

    private static Config aeronDir(Path d) {
        return ConfigFactory.parseMap(java.util.Map.of("pekko.remote.artery.advanced.aeron.aeron-dir", d.toString()));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Path resource(String name) {
        try {
            return Path.of(MultiJvmClusterRunTest.class.getResource("/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
