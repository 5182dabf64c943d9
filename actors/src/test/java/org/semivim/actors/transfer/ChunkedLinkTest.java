package org.semivim.actors.transfer;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.StudentTrainer;
import org.semivim.actors.TestPekko;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender and a receiver actor (every message really serialized): messages of many chunks arrive
 * whole and in order, also through a relay that drops one chunk, corrupts another and duplicates a
 * third (the receiver refuses, the sender resends; nothing is lost or delivered twice).
 */
class ChunkedLinkTest {
    private static ActorTestKit kit;
    private static final TransferSettings SMALL = new TransferSettings(1024, 3, Duration.ofMillis(300), 1 << 24);

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("chunked-link-test", TestPekko.config());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static float[] tensor(int n, float scale) {
        float[] p = new float[n];
        for (int i = 0; i < n; i++) p[i] = (float) Math.sin(i * scale) * 1e3f;
        p[n / 2] = Float.NaN;
        return p;
    }

    @Test
    void messagesOfManyChunksArriveWholeAndInOrder() {
        TestProbe<Object> target = kit.createTestProbe();
        ActorRef<ChunkReceiver.Command> receiver = kit.spawn(ChunkReceiver.create(target.ref(), SMALL));
        ActorRef<Object> sender = kit.spawn(ChunkSender.create(SMALL));
        float[] a = tensor(5000, 0.1f), b = tensor(1, 0.2f);
        ActorRef<StudentTrainer.Command> asTrainer = sender.narrow();
        asTrainer.tell(new StudentTrainer.StudentParams(3, a));   // before Connect: waits
        asTrainer.tell(new StudentTrainer.StudentParams(4, b));
        sender.tell(new ChunkSender.Connect(receiver));
        ActorRef<LyapunovSupervisor.Command> asSupervisor = sender.narrow();
        asSupervisor.tell(new LyapunovSupervisor.ShardDone(4, 1, a, new double[]{0.5}));
        var first = target.expectMessageClass(StudentTrainer.StudentParams.class, Duration.ofSeconds(20));
        assertEquals(3, first.version());
        assertArrayEquals(a, first.parameters());
        assertArrayEquals(b, target.expectMessageClass(StudentTrainer.StudentParams.class).parameters());
        var done = target.expectMessageClass(LyapunovSupervisor.ShardDone.class);
        assertArrayEquals(a, done.gradient());
        assertArrayEquals(new double[]{0.5}, done.termLosses());
        target.expectNoMessage(Duration.ofMillis(200));
    }

    /** Repaired by the receiver's complaints alone: the resend timer (60 s) is longer than the test waits. */
    @Test
    void aLostACorruptAndADuplicatedChunkAreRepairedByResending() {
        TransferSettings noTimer = new TransferSettings(1024, 3, Duration.ofSeconds(60), 1 << 24);
        TestProbe<Object> target = kit.createTestProbe();
        ActorRef<ChunkReceiver.Command> receiver = kit.spawn(ChunkReceiver.create(target.ref(), noTimer));
        AtomicInteger seen = new AtomicInteger();
        ActorRef<ChunkReceiver.Command> relay = kit.spawn(lossyRelay(receiver, seen));
        ActorRef<Object> sender = kit.spawn(ChunkSender.create(noTimer, relay));
        float[] a = tensor(3000, 0.3f);
        for (int v = 0; v < 3; v++) sender.tell(new StudentTrainer.StudentParams(v, a));
        for (int v = 0; v < 3; v++) {
            var m = target.expectMessageClass(StudentTrainer.StudentParams.class, Duration.ofSeconds(20));
            assertEquals(v, m.version(), "in order, each once");
            assertArrayEquals(a, m.parameters());
        }
        target.expectNoMessage(Duration.ofMillis(500));
        assertTrue(seen.get() > 3 * Chunking.count(3000 * 4, 1024), "chunks were resent: " + seen.get());
    }

    /**
     * A receiver with a window of 8 (ack threshold 4) fed chunks directly: an accepted chunk with few chunks
     * outstanding is acknowledged only after the ack delay; the 4th outstanding one at once, cumulatively (and the
     * held ack is not sent as well); a refused chunk at once with a complaint; an ack held when the receiver stops
     * is sent then. The messages themselves are delivered at once.
     */
    @Test
    void acceptedChunksAreAcknowledgedTogetherRefusedOnesAtOnce() {
        TransferSettings held = new TransferSettings(1 << 20, 8, Duration.ofSeconds(30), 1 << 24, Duration.ofMillis(700));
        TestProbe<Object> target = kit.createTestProbe();
        TestProbe<ChunkSender.Command> acks = kit.createTestProbe();
        ActorRef<ChunkReceiver.Command> receiver = kit.spawn(ChunkReceiver.create(target.ref(), held));
        var serialization = org.apache.pekko.serialization.SerializationExtension.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(kit.system()));
        float[] p = tensor(100, 0.5f);
        java.util.function.LongFunction<ChunkReceiver.Chunk> chunk = seq -> {   // transfer seq = chunk seq, one chunk each, base 0
            Object m = new StudentTrainer.StudentParams(seq, p);
            var ser = serialization.findSerializerFor(m);
            byte[] bytes = ser.toBinary(m);
            return new ChunkReceiver.Chunk(7, 0, seq, 0, seq, 0, 1, bytes.length, 1 << 20, ser.identifier(),
                    org.apache.pekko.serialization.Serializers.manifestFor(ser, m), "StudentParams", bytes,
                    Chunking.crc(seq, seq, 0, 1, bytes.length, 1 << 20, bytes), acks.ref());
        };
        receiver.tell(chunk.apply(0));
        assertEquals(0, target.expectMessageClass(StudentTrainer.StudentParams.class).version(), "delivered at once");
        acks.expectNoMessage(Duration.ofMillis(300));
        var first = (ChunkSender.ChunkAck) acks.receiveMessage(Duration.ofSeconds(5));
        assertEquals(new ChunkSender.ChunkAck(7, 1, 0, false), first, "held, then sent after the ack delay");
        for (long seq = 1; seq <= 3; seq++) receiver.tell(chunk.apply(seq));   // outstanding (base 0): 2, 3 held; 4 at once
        for (long v = 1; v <= 3; v++) assertEquals(v, target.expectMessageClass(StudentTrainer.StudentParams.class).version());
        assertEquals(new ChunkSender.ChunkAck(7, 4, 0, false), acks.receiveMessage(Duration.ofSeconds(5)), "cumulative, at the threshold");
        acks.expectNoMessage(Duration.ofMillis(900));   // the held one is covered, not sent as well
        var bad = chunk.apply(6);   // seq 4 and 5 missing
        receiver.tell(bad);
        assertEquals(new ChunkSender.ChunkAck(7, 4, 0, true), acks.receiveMessage(Duration.ofSeconds(1)), "a complaint at once");
        receiver.tell(chunk.apply(4));   // accepted, outstanding 5 with base 0: at once
        assertEquals(new ChunkSender.ChunkAck(7, 5, 0, false), acks.receiveMessage(Duration.ofSeconds(1)));
        assertEquals(4, target.expectMessageClass(StudentTrainer.StudentParams.class).version());
        var late = new ChunkReceiver.Chunk(7, 5, 5, 0, 5, 0, 1, chunk.apply(5).totalBytes(), 1 << 20, chunk.apply(5).serializerId(), chunk.apply(5).manifest(),
                "StudentParams", chunk.apply(5).bytes(), Chunking.crc(5, 5, 0, 1, chunk.apply(5).totalBytes(), 1 << 20, chunk.apply(5).bytes()), acks.ref());
        receiver.tell(late);   // base 5: one outstanding, held
        assertEquals(5, target.expectMessageClass(StudentTrainer.StudentParams.class, Duration.ofSeconds(5)).version());
        acks.expectNoMessage(Duration.ofMillis(200));
        kit.stop(receiver);
        assertEquals(new ChunkSender.ChunkAck(7, 6, 0, false), acks.receiveMessage(Duration.ofSeconds(1)), "sent when the receiver stops");
    }

    /** Passes chunks on, except: the 3rd is dropped, the 6th (the resend of the 3rd) arrives with a flipped bit, the 9th twice. */
    private static Behavior<ChunkReceiver.Command> lossyRelay(ActorRef<ChunkReceiver.Command> to, AtomicInteger seen) {
        return Behaviors.receiveMessage(m -> {
            ChunkReceiver.Chunk c = (ChunkReceiver.Chunk) m;
            int n = seen.incrementAndGet();
            if (n == 3) return Behaviors.same();
            if (n == 6) {
                byte[] bad = c.bytes().clone();
                bad[7] ^= 0x04;
                to.tell(new ChunkReceiver.Chunk(c.stream(), c.base(), c.seq(), c.epoch(), c.transfer(), c.index(), c.count(), c.totalBytes(), c.chunkBytes(), c.serializerId(),
                        c.manifest(), c.label(), bad, c.crc(), c.replyTo()));
                return Behaviors.same();
            }
            to.tell(c);
            if (n == 9) to.tell(c);
            return Behaviors.same();
        });
    }
}
