package org.semivim.actors.transfer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure rules of the chunked links: cutting, the sender's window, the receiver's reassembly. */
class ChunkedTransferRulesTest {

    private static final int CHUNK = 10;

    @Test
    void chunkingCoversThePayloadExactlyOnce() {
        assertEquals(1, Chunking.count(0, CHUNK));
        assertEquals(1, Chunking.count(10, CHUNK));
        assertEquals(2, Chunking.count(11, CHUNK));
        assertEquals(1 << 20, Chunking.count(Integer.MAX_VALUE - 8, 2048) + 0 * 1);   // no int overflow
        assertEquals(10, Chunking.length(0, 25, CHUNK));
        assertEquals(5, Chunking.length(2, 25, CHUNK));
        assertEquals(0, Chunking.length(0, 0, CHUNK));
        assertThrows(IllegalArgumentException.class, () -> Chunking.count(5, 0));
    }

    @Test
    void theWindowBoundsUnacknowledgedChunksAndCompletes() {
        SendWindow w = new SendWindow(5, 2);
        assertArrayEquals(new int[]{0, 2}, w.take());
        assertArrayEquals(new int[]{2, 2}, w.take(), "window full: nothing more");
        assertEquals(2, w.inFlight());
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(1));
        assertArrayEquals(new int[]{2, 3}, w.take());
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(3));
        assertArrayEquals(new int[]{3, 5}, w.take());
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(2), "a stale ack");
        assertEquals(SendWindow.AckEffect.DONE, w.onAck(5));
        assertTrue(w.done());
        assertThrows(IllegalArgumentException.class, () -> w.onAck(6));
    }

    @Test
    void aComplaintGoesBackOnceAndATimeoutGoesBackAgain() {
        SendWindow w = new SendWindow(8, 4);
        w.take();                                                        // 0..3 out
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(1));
        assertEquals(SendWindow.AckEffect.GO_BACK, w.onAck(1), "chunk 1 missing or corrupt");
        assertArrayEquals(new int[]{1, 5}, w.take(), "resent from chunk 1");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(1), "the complaints about chunks 2, 3 in flight are not a new loss");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(1));
        w.timeout();
        assertArrayEquals(new int[]{1, 5}, w.take(), "no ack for a while: resent again");
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(5));
        assertArrayEquals(new int[]{5, 8}, w.take());
        w.timeout();                                                     // the acks were slow, not lost
        assertEquals(SendWindow.AckEffect.DONE, w.onAck(8));
        assertArrayEquals(new int[]{8, 8}, w.take());
    }

    @Test
    void anyMixOfLossAndCorruptionStillDeliversEveryPayloadOnceInOrder() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 40; trial++) {
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] p = new byte[rnd.nextInt(95)];
                rnd.nextBytes(p);
                payloads.add(p);
            }
            List<byte[]> delivered = new Simulation(rnd, 1 + rnd.nextInt(4), 0.2, 0.1, 0.1).run(payloads);
            assertEquals(payloads.size(), delivered.size(), "trial " + trial);
            for (int i = 0; i < payloads.size(); i++) assertArrayEquals(payloads.get(i), delivered.get(i), "trial " + trial + " payload " + i);
        }
    }

    @Test
    void theReceiverNamesEveryKindOfBadChunk() {
        byte[] payload = new byte[25];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        Reassembly r = new Reassembly(1000);
        assertInstanceOf(Reassembly.Accepted.class, r.accept(1, 0, 0, 3, 25, CHUNK, part(payload, 0), crc(payload, 0)));
        var gap = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(payload, 2)));
        assertEquals(1, gap.ackNext());
        assertTrue(gap.reason().contains("chunk 1 is missing"), gap.reason());
        var dup = assertInstanceOf(Reassembly.Duplicate.class, r.accept(1, 0, 0, 3, 25, CHUNK, part(payload, 0), crc(payload, 0)));
        assertEquals(1, dup.ackNext());
        byte[] flipped = part(payload, 1);
        flipped[3] ^= 1;
        var corrupt = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 1, 3, 25, CHUNK, flipped, crc(payload, 1)));
        assertTrue(corrupt.reason().contains("corrupt"), corrupt.reason());
        var shortChunk = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 1, 3, 25, CHUNK, Arrays.copyOf(part(payload, 1), 9), 0));
        assertTrue(shortChunk.reason().contains("9 bytes, expected 10"), shortChunk.reason());
        var header = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 1, 3, 26, CHUNK, part(payload, 1), crc(payload, 1)));
        assertTrue(header.reason().contains("contradicts"), header.reason());
        var early = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 1, 0, 1, 3, CHUNK, new byte[3], crc(new byte[3])));
        assertTrue(early.reason().contains("transfer 0 is incomplete (1 of 3 chunks): out of order"), early.reason());
        assertEquals(0, early.transfer());
        assertInstanceOf(Reassembly.Accepted.class, r.accept(1, 0, 1, 3, 25, CHUNK, part(payload, 1), crc(payload, 1)));
        var done = assertInstanceOf(Reassembly.Complete.class, r.accept(1, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(payload, 2)));
        assertArrayEquals(payload, done.payload());
        assertEquals(3, done.ackNext());
        var again = assertInstanceOf(Reassembly.Duplicate.class, r.accept(1, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(payload, 2)));
        assertEquals(3, again.ackNext(), "a resend of a complete transfer is acknowledged as complete, not delivered twice");
        var skipped = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 2, 0, 1, 3, CHUNK, new byte[3], crc(new byte[3])));
        assertTrue(skipped.reason().contains("transfer 1 is next"), skipped.reason());
        var noChunk0 = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 1, 1, 3, 25, CHUNK, part(payload, 1), crc(payload, 1)));
        assertTrue(noChunk0.reason().contains("chunk 0 is missing"), noChunk0.reason());
        var tooBig = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 1, 0, 101, 1001, CHUNK, new byte[10], 0));
        assertTrue(tooBig.reason().contains("at most 1000"), tooBig.reason());
        var badCount = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 1, 0, 2, 25, CHUNK, part(payload, 0), crc(payload, 0)));
        assertTrue(badCount.reason().contains("2 chunks cannot hold 25 bytes"), badCount.reason());
        // a new sender incarnation (stream) starts over; the old one's partial transfer is abandoned
        assertInstanceOf(Reassembly.Accepted.class, r.accept(1, 1, 0, 3, 25, CHUNK, part(payload, 0), crc(payload, 0)));
        assertInstanceOf(Reassembly.Complete.class, r.accept(2, 0, 0, 1, 3, CHUNK, new byte[3], crc(new byte[3])));
        // a receiver that starts late (restarted) joins at the transfer the stream is at
        Reassembly late = new Reassembly(1000);
        assertInstanceOf(Reassembly.Complete.class, late.accept(7, 5, 0, 1, 3, CHUNK, new byte[3], crc(new byte[3])));
        assertInstanceOf(Reassembly.Duplicate.class, late.accept(7, 4, 0, 1, 3, CHUNK, new byte[3], crc(new byte[3])));
    }

    private static byte[] part(byte[] payload, int index) {
        int off = (int) Chunking.offset(index, CHUNK);
        return Arrays.copyOfRange(payload, off, off + Chunking.length(index, payload.length, CHUNK));
    }

    private static int crc(byte[] payload, int index) {
        byte[] p = part(payload, index);
        return Chunking.crc(p, 0, p.length);
    }

    private static int crc(byte[] p) {
        return Chunking.crc(p, 0, p.length);
    }

    /**
     * Sender (window + queue) and receiver exchanging over a channel that keeps order but drops,
     * corrupts or duplicates chunks and drops acks; a timeout fires when nothing is in transit.
     */
    private record Simulation(Random rnd, int window, double drop, double corrupt, double dropAck) {
        List<byte[]> run(List<byte[]> payloads) {
            Reassembly receiver = new Reassembly(1 << 20);
            List<byte[]> delivered = new ArrayList<>();
            for (int id = 0; id < payloads.size(); id++) {
                byte[] p = payloads.get(id);
                int count = Chunking.count(p.length, CHUNK);
                SendWindow w = new SendWindow(count, window);
                for (int rounds = 0; !w.done(); rounds++) {
                    assertTrue(rounds < 10_000, "no progress");
                    int[] range = w.take();
                    List<Integer> acks = new ArrayList<>();
                    for (int i = range[0]; i < range[1]; i++) {
                        if (rnd.nextDouble() < drop) continue;
                        byte[] bytes = Arrays.copyOfRange(p, (int) Chunking.offset(i, CHUNK), (int) Chunking.offset(i, CHUNK) + Chunking.length(i, p.length, CHUNK));
                        int c = Chunking.crc(bytes, 0, bytes.length);
                        if (bytes.length > 0 && rnd.nextDouble() < corrupt) bytes[rnd.nextInt(bytes.length)] ^= 0x10;
                        int copies = rnd.nextDouble() < 0.1 ? 2 : 1;
                        for (int k = 0; k < copies; k++) {
                            Reassembly.Outcome o = receiver.accept(9, id, i, count, p.length, CHUNK, bytes, c);
                            if (o instanceof Reassembly.Complete done) delivered.add(done.payload());
                            if (o.transfer() == id && rnd.nextDouble() >= dropAck) acks.add(o.ackNext());
                        }
                    }
                    for (int a : acks) w.onAck(a);
                    if (acks.isEmpty() && !w.done()) w.timeout();
                }
            }
            return delivered;
        }
    }
}
