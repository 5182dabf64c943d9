package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.actors.DataLoader;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One media driver per machine: aeron-udp nodes started with the directory of a running
 * {@link ExternalMediaDriver} use it instead of embedded drivers (Artery's {@code embedded-media-driver = off}),
 * exchange messages and run a run bit-identically to one JVM; the driver's directory is gone after it stops;
 * a node without a running driver, a second driver in a live directory, and bad settings are refused with
 * their reason. Every driver lives in the test's temp dir.
 */
class ExternalMediaDriverTest {
    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    @Test
    void twoNodesShareOneDriverAndItsDirectoryIsDeletedAfterwards(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("aeron");
        try (ExternalMediaDriver driver = ExternalMediaDriver.launch(dir, new MediaDriverSettings("shared", "backoff:200us"))) {
            assertTrue(ExternalMediaDriver.driverActive(dir));
            var e = assertThrows(IllegalStateException.class, () -> ExternalMediaDriver.launch(dir, MediaDriverSettings.DEFAULT));
            assertTrue(e.getMessage().contains("already running in " + driver.directory()), e.getMessage());

            NodeSettings seedSettings = NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, Transport.AERON_UDP).withExternalMediaDriver(dir);
            try (ClusterNode seed = ClusterNode.start(seedSettings, QUIET, Behaviors.empty());
                 ClusterNode other = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(seed.hostPort()), 0, Transport.AERON_UDP)
                         .withExternalMediaDriver(dir), QUIET, Behaviors.empty())) {
                Config c = other.system().settings().config();
                assertFalse(c.getBoolean("pekko.remote.artery.advanced.aeron.embedded-media-driver"));
                assertEquals(driver.directory().toString(), c.getString("pekko.remote.artery.advanced.aeron.aeron-dir"));
                assertFalse(c.getBoolean("pekko.remote.artery.advanced.aeron.delete-aeron-dir"), "the nodes must not delete the shared driver's files");
                assertEquals(NodeSettings.EXTERNAL_DRIVER_IDLE_CPU_LEVEL, c.getInt("pekko.remote.artery.advanced.aeron.idle-cpu-level"));

                TestProbe<Object> probe = TestProbe.create(other.system());
                ActorRef<Object> remote = ActorRefResolver.get(seed.system()).resolveActorRef(
                        ActorRefResolver.get(other.system()).toSerializationFormat(probe.ref()));
                remote.tell(new DataLoader.Committed(42));
                assertEquals(new DataLoader.Committed(42), probe.receiveMessage(Duration.ofSeconds(30)));
            }
            assertTrue(Files.isDirectory(dir), "the driver's directory stays while it runs (the nodes do not delete it)");
        }
        assertFalse(Files.exists(dir), "the driver deletes its directory when it stops");
    }

    @Test
    void aRunOverOneSharedDriverIsBitIdenticalToOneJvm(@TempDir Path tmp) throws Exception {
        TrainConfig config = TinyRuns.config("fixmatch", 4);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        Path dir = tmp.resolve("aeron");
        try (ExternalMediaDriver driver = ExternalMediaDriver.launch(dir, MediaDriverSettings.DEFAULT)) {
            CompletableFuture<RunResult> result = new CompletableFuture<>();
            var spec = new NodeRoles.RunSpec(config, data, RunOptions.defaults(), result);
            try (ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, Transport.AERON_UDP)
                    .withExternalMediaDriver(dir), QUIET, NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec));
                 ClusterNode trainer = ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(sup.hostPort()), 0, Transport.AERON_UDP)
                         .withExternalMediaDriver(dir), QUIET, NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null))) {
                RunResult r = result.get(180, TimeUnit.SECONDS);
                assertEquals(config.steps(), r.steps());
                assertArrayEquals(reference.student(), r.student(), "student bit-identical to the one-JVM run");
                assertArrayEquals(reference.teacher(), r.teacher(), "teacher bit-identical to the one-JVM run");
            }
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void aNodeWithoutARunningDriverIsRefusedNamingTheDirectory(@TempDir Path tmp) {
        Path dir = tmp.resolve("no-driver");
        long t0 = System.nanoTime();
        var e = assertThrows(IllegalStateException.class, () -> ClusterNode.start(
                NodeSettings.loopback(Set.of("trainer"), List.of(), 0, Transport.AERON_UDP).withExternalMediaDriver(dir), QUIET, Behaviors.empty()));
        assertTrue(e.getMessage().contains("no media driver runs in " + dir) && e.getMessage().contains("semivim media-driver"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "refused at once, not after Artery's driver timeout");
    }

    @Test
    void badSettingsAreRefusedWithTheirReason(@TempDir Path tmp) throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> new MediaDriverSettings("shard", "sleep:1ms"));
        assertTrue(e.getMessage().contains("unknown media driver threading 'shard'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MediaDriverSettings("shared", "sleep:1"));
        assertTrue(e.getMessage().contains("needs a unit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MediaDriverSettings("shared", "yield"));
        assertTrue(e.getMessage().contains("unknown idle strategy 'yield'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MediaDriverSettings("shared", "backoff:5000ms"));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertEquals(250_000, MediaDriverSettings.nanos("250us", "x"));
        assertEquals(1_000_000, MediaDriverSettings.nanos("1ms", "x"));
        e = assertThrows(IllegalArgumentException.class, () -> new NodeSettings(Set.of("trainer"), List.of(), "127.0.0.1", 0, Transport.TCP,
                Optional.empty(), Duration.ofSeconds(5), Optional.of(tmp)));
        assertTrue(e.getMessage().contains("for transport aeron-udp, not tcp"), e.getMessage());
        // a --config file (and system properties) still set the task runner's level on an external driver
        Path conf = tmp.resolve("level.conf");
        Files.writeString(conf, "pekko.remote.artery.advanced.aeron.idle-cpu-level = 4\n");
        NodeSettings s = new NodeSettings(Set.of("trainer"), List.of(), "127.0.0.1", 0, Transport.AERON_UDP, Optional.of(conf), Duration.ofSeconds(5),
                Optional.of(tmp));
        assertEquals(4, s.pekkoConfig().getInt("pekko.remote.artery.advanced.aeron.idle-cpu-level"));
        assertEquals(1, NodeSettings.loopback(Set.of("trainer"), List.of(), 0, Transport.AERON_UDP).pekkoConfig()
                .getInt("pekko.remote.artery.advanced.aeron.idle-cpu-level"), "the embedded driver keeps level 1");
    }
}
