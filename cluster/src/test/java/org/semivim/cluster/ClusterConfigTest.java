package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.actors.DataLoader;
import org.semivim.actors.serialization.KryoSerializer;
import org.semivim.actors.serialization.UnregisteredClassException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each cluster configuration loads, and two nodes start, join on loopback and exchange Kryo messages over it. */
class ClusterConfigTest {

    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    @Test
    void everyTransportConfigLoadsWithLoopbackKryoRolesAndSplitBrainResolver() {
        for (Transport t : Transport.values()) {
            Config c = NodeSettings.loopback(Set.of("trainer", "teacher"), List.of("127.0.0.1:25520"), 25521, t).pekkoConfig();
            assertEquals(t.artery(), c.getString("pekko.remote.artery.transport"), t.name());
            assertEquals("cluster", c.getString("pekko.actor.provider"));
            assertEquals("127.0.0.1", c.getString("pekko.remote.artery.canonical.hostname"));
            assertEquals("127.0.0.1", c.getString("pekko.remote.artery.bind.hostname"));
            assertEquals(25521, c.getInt("pekko.remote.artery.canonical.port"));
            assertEquals(List.of("teacher", "trainer"), c.getStringList("pekko.cluster.roles"));
            assertEquals(List.of("pekko://semivim@127.0.0.1:25520"), c.getStringList("pekko.cluster.seed-nodes"));
            assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider", c.getString("pekko.cluster.downing-provider-class"));
            assertEquals("keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
            assertEquals("supervisor", c.getString("pekko.cluster.singleton.role"));
            assertEquals(KryoSerializer.class.getName(), c.getString("pekko.actor.serializers.semivim-kryo"));
            assertFalse(c.getBoolean("pekko.actor.allow-java-serialization"));
            assertEquals(30_000, c.getDuration("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", TimeUnit.MILLISECONDS));
            assertEquals("semivim.compute-dispatcher", "semivim.compute-dispatcher", "the local run's dispatcher is inherited");
            assertTrue(c.hasPath("semivim.compute-dispatcher.type"));
        }
        Config aeron = NodeSettings.loopback(Set.of("data"), List.of(), 0, Transport.AERON_UDP).pekkoConfig();
        assertTrue(aeron.getBoolean("pekko.remote.artery.advanced.aeron.embedded-media-driver"));
        assertEquals(1, aeron.getInt("pekko.remote.artery.advanced.aeron.idle-cpu-level"),
                "the media driver sleeps when idle instead of spinning on the cores the training needs (docs/cluster.md)");
        Config tls = NodeSettings.loopback(Set.of("data"), List.of(), 0, Transport.TLS_TCP).pekkoConfig();
        assertTrue(tls.getBoolean("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));
    }

    @Test
    void badNodeSettingsAreRefusedWithTheirReason() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.loopback(Set.of("trainr"), List.of(), 0, Transport.TCP));
        assertTrue(e.getMessage().contains("unknown role 'trainr'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.loopback(Set.of("trainer"), List.of("127.0.0.1"), 0, Transport.TCP));
        assertTrue(e.getMessage().contains("not host:port"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Transport.of("udp"));
        assertTrue(e.getMessage().contains("unknown transport 'udp'"), e.getMessage());
    }

    @Test
    void twoNodesJoinOverTcpAndExchangeKryoMessages() throws Exception {
        joinAndExchange(Transport.TCP, QUIET);
    }

    @Test
    void twoNodesJoinOverAeronUdpWithTheEmbeddedMediaDriver() throws Exception {
        joinAndExchange(Transport.AERON_UDP, QUIET);
    }

    @Test
    void twoNodesJoinOverMutuallyAuthenticatedTls(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("node.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "test-pass", "-keypass", "test-pass")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), "keytool: " + out);
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        Config tls = ConfigFactory.parseMap(Map.of(
                engine + "key-store", store.toString(), engine + "key-store-password", "test-pass", engine + "key-password", "test-pass",
                engine + "trust-store", store.toString(), engine + "trust-store-password", "test-pass")).withFallback(QUIET);
        joinAndExchange(Transport.TLS_TCP, tls);
    }

    @Test
    void aMessageOfAnUnregisteredClassFromAPeerIsRejectedAndLoggedAndTrafficGoesOn() throws Exception {
        Config rogue = ConfigFactory.parseString("pekko.actor.serializers.semivim-kryo = \"" + RogueKryoSerializer.class.getName() + "\"")
                .withFallback(QUIET);
        try (TwoNodes nodes = new TwoNodes(Transport.TCP, rogue, QUIET)) {
            nodes.awaitBothUp(Duration.ofSeconds(30));
            TestProbe<Object> probe = TestProbe.create(nodes.other.system());
            ActorRef<Object> remote = remoteRef(nodes, probe.ref());
            remote.tell(new DataLoader.Committed(1));   // the connection works
            assertEquals(new DataLoader.Committed(1), probe.receiveMessage(Duration.ofSeconds(20)));
            LoggingTestKit.error("Failed to deserialize message").withCause(UnregisteredClassException.class)
                    .withCustom(event -> event.getThrowable().map(t -> t.getMessage().contains("unknown Kryo class id " + RogueKryoSerializer.INTRUDER_ID)).orElse(false))
                    .expect(nodes.other.system(), () -> {
                        remote.tell(new RogueKryoSerializer.Intruder("not for you"));
                        return null;
                    });
            remote.tell(new DataLoader.Committed(2));   // sent after the intruder on the same stream: it is dropped, not delivered
            assertEquals(new DataLoader.Committed(2), probe.receiveMessage(Duration.ofSeconds(20)));
            probe.expectNoMessage(Duration.ofMillis(200));
        }
    }

    private static void joinAndExchange(Transport transport, Config overrides) throws Exception {
        try (TwoNodes nodes = new TwoNodes(transport, overrides, overrides)) {
            nodes.awaitBothUp(Duration.ofSeconds(60));
            assertEquals(transport.artery(), nodes.seed.system().settings().config().getString("pekko.remote.artery.transport"));
            TestProbe<Object> probe = TestProbe.create(nodes.other.system());
            var serializer = SerializationExtension.get(Adapter.toClassic(nodes.seed.system())).findSerializerFor(new DataLoader.Committed(0));
            assertInstanceOf(KryoSerializer.class, serializer);
            remoteRef(nodes, probe.ref()).tell(new DataLoader.Committed(42));
            assertEquals(new DataLoader.Committed(42), probe.receiveMessage(Duration.ofSeconds(20)));
        }
    }

    /** The probe's ref as the seed node resolves it (a remote ref: messages go over the transport). */
    private static ActorRef<Object> remoteRef(TwoNodes nodes, ActorRef<Object> local) {
        String path = ActorRefResolver.get(nodes.other.system()).toSerializationFormat(local);
        assertTrue(path.startsWith("pekko://semivim@127.0.0.1:"), path);
        return ActorRefResolver.get(nodes.seed.system()).resolveActorRef(path);
    }
}
