package org.semivim.actors.transfer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(1 << 20, Chunking.count(Integer.MAX_VALUE - 8, 2048), "no int overflow");
        assertEquals(10, Chunking.length(0, 25, CHUNK));
        assertEquals(5, Chunking.length(2, 25, CHUNK));
        assertEquals(0, Chunking.length(0, 0, CHUNK));
        assertThrows(IllegalArgumentException.class, () -> Chunking.count(5, 0));
        byte[] b = {1, 2, 3};
        int crc = Chunking.crc(4, 1, 0, 1, 3, CHUNK, b);
        assertTrue(crc != Chunking.crc(5, 1, 0, 1, 3, CHUNK, b) && crc != Chunking.crc(4, 1, 0, 1, 3, CHUNK, new byte[]{1, 2, 4}),
                "the CRC covers the header and the bytes");
    }

    @Test
    void theWindowBoundsUnacknowledgedChunksAcrossTransfers() {
        SendWindow w = new SendWindow(2);
        assertTrue(w.done());
        assertEquals(0, w.extend(3));
        assertEquals(3, w.extend(2), "the next transfer's chunks follow in the same sequence");
        assertArrayEquals(new long[]{0, 2}, w.take());
        assertArrayEquals(new long[]{2, 2}, w.take(), "window full: nothing more");
        assertEquals(2, w.inFlight());
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(1, 0, false));
        assertArrayEquals(new long[]{2, 3}, w.take());
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(3, 0, false));
        assertArrayEquals(new long[]{3, 5}, w.take(), "the second transfer goes out as the window allows");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(2, 0, false), "a stale ack");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(3, 0, false), "a duplicate's answer is no complaint");
        assertEquals(SendWindow.AckEffect.DONE, w.onAck(5, 0, false));
        assertTrue(w.done());
        assertThrows(IllegalArgumentException.class, () -> w.onAck(6, 0, false));
        assertThrows(IllegalArgumentException.class, () -> w.extend(0));
    }

    @Test
    void aComplaintGoesBackOncePerEpochAndATimeoutGoesBackAgain() {
        SendWindow w = new SendWindow(4);
        w.extend(8);
        w.take();                                                        // 0..3 out in epoch 0
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(1, 0, false));
        assertEquals(SendWindow.AckEffect.GO_BACK, w.onAck(1, 0, true), "chunk 1 missing or corrupt");
        assertEquals(1, w.epoch());
        assertArrayEquals(new long[]{1, 5}, w.take(), "resent from chunk 1, in epoch 1");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(1, 0, true), "the complaints about chunks 2, 3 of epoch 0 are not a new loss");
        assertEquals(SendWindow.AckEffect.IGNORED, w.onAck(1, 0, true));
        assertEquals(SendWindow.AckEffect.GO_BACK, w.onAck(1, 1, true), "the resent chunk 1 was refused again: back at once");
        assertArrayEquals(new long[]{1, 5}, w.take());
        w.timeout();
        assertEquals(3, w.epoch());
        assertArrayEquals(new long[]{1, 5}, w.take(), "no ack for a while: resent again");
        assertEquals(SendWindow.AckEffect.PROGRESS, w.onAck(5, 1, false), "an answer to an older epoch's chunk still advances");
        assertArrayEquals(new long[]{5, 8}, w.take());
        w.timeout();                                                     // the acks were slow, not lost
        assertEquals(SendWindow.AckEffect.DONE, w.onAck(8, 3, false));
        assertArrayEquals(new long[]{8, 8}, w.take());
    }

    @Test
    void anyMixOfLossCorruptionAndDuplicationStillDeliversEveryPayloadOnceInOrder() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 60; trial++) {
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] p = new byte[rnd.nextInt(95)];
                rnd.nextBytes(p);
                payloads.add(p);
            }
            List<byte[]> delivered = new Simulation(rnd, 1 + rnd.nextInt(6), 0.15, 0.1, 0.1, trial % 2 == 1).run(payloads);
            assertEquals(payloads.size(), delivered.size(), "trial " + trial);
            for (int i = 0; i < payloads.size(); i++) assertArrayEquals(payloads.get(i), delivered.get(i), "trial " + trial + " payload " + i);
        }
    }

    @Test
    void theReceiverNamesEveryKindOfBadChunk() {
        byte[] payload = new byte[25];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        Reassembly r = new Reassembly(1000);
        assertInstanceOf(Reassembly.Accepted.class, r.accept(1, 0, 0, 0, 0, 3, 25, CHUNK, part(payload, 0), crc(0, 0, 0, 3, 25, payload)));
        var gap = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 2, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(2, 0, 2, 3, 25, payload)));
        assertEquals(1, gap.ackNext());
        assertTrue(gap.reason().contains("seq 1 is missing"), gap.reason());
        var dup = assertInstanceOf(Reassembly.Duplicate.class, r.accept(1, 0, 0, 0, 0, 3, 25, CHUNK, part(payload, 0), crc(0, 0, 0, 3, 25, payload)));
        assertEquals(1, dup.ackNext());
        byte[] flipped = part(payload, 1);
        flipped[3] ^= 1;
        var corrupt = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 1, 0, 1, 3, 25, CHUNK, flipped, crc(1, 0, 1, 3, 25, payload)));
        assertTrue(corrupt.reason().contains("corrupt"), corrupt.reason());
        assertEquals(1, corrupt.ackNext());
        var header = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 1, 0, 1, 3, 26, CHUNK, part(payload, 1), crc(1, 0, 1, 3, 26, payload)));
        assertTrue(header.reason().contains("contradicts transfer 0"), header.reason());
        var shortChunk = Arrays.copyOf(part(payload, 1), 9);
        var shortOne = assertInstanceOf(Reassembly.Refused.class,
                r.accept(1, 0, 1, 0, 1, 3, 25, CHUNK, shortChunk, Chunking.crc(1, 0, 1, 3, 25, CHUNK, shortChunk)));
        assertTrue(shortOne.reason().contains("9 bytes, expected 10"), shortOne.reason());
        assertInstanceOf(Reassembly.Accepted.class, r.accept(1, 0, 1, 0, 1, 3, 25, CHUNK, part(payload, 1), crc(1, 0, 1, 3, 25, payload)));
        var done = assertInstanceOf(Reassembly.Complete.class, r.accept(1, 0, 2, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(2, 0, 2, 3, 25, payload)));
        assertArrayEquals(payload, done.payload());
        assertEquals(3, done.ackNext());
        var again = assertInstanceOf(Reassembly.Duplicate.class, r.accept(1, 0, 2, 0, 2, 3, 25, CHUNK, part(payload, 2), crc(2, 0, 2, 3, 25, payload)));
        assertEquals(3, again.ackNext(), "a resend of a complete transfer is acknowledged, not delivered twice");
        byte[] three = {7, 8, 9};
        var skipped = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 3, 2, 0, 1, 3, CHUNK, three, Chunking.crc(3, 2, 0, 1, 3, CHUNK, three)));
        assertTrue(skipped.reason().contains("transfer 1 is next"), skipped.reason());
        var notAtZero = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 3, 1, 1, 3, 25, CHUNK, part(payload, 1), crc(3, 1, 1, 3, 25, payload)));
        assertTrue(notAtZero.reason().contains("starts at chunk 0"), notAtZero.reason());
        var tooBig = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 3, 1, 0, 101, 1001, CHUNK, new byte[10], Chunking.crc(3, 1, 0, 101, 1001, CHUNK, new byte[10])));
        assertTrue(tooBig.reason().contains("at most 1000"), tooBig.reason());
        var badCount = assertInstanceOf(Reassembly.Refused.class, r.accept(1, 0, 3, 1, 0, 2, 25, CHUNK, part(payload, 0), crc(3, 1, 0, 2, 25, payload)));
        assertTrue(badCount.reason().contains("2 chunks cannot hold 25 bytes"), badCount.reason());
        // a fresh receiver whose first chunk of a new stream is lost asks for it (the sender can still resend from base 0)
        Reassembly fresh = new Reassembly(1000);
        var first = assertInstanceOf(Reassembly.Refused.class, fresh.accept(3, 0, 1, 0, 1, 3, 25, CHUNK, part(payload, 1), crc(1, 0, 1, 3, 25, payload)));
        assertEquals(0, first.ackNext(), first.reason());
        assertInstanceOf(Reassembly.Accepted.class, fresh.accept(3, 0, 0, 0, 0, 3, 25, CHUNK, part(payload, 0), crc(0, 0, 0, 3, 25, payload)));
        // a new sender incarnation (stream) starts over; a transfer of one chunk is delivered as that chunk's array, not a copy
        var one = assertInstanceOf(Reassembly.Complete.class, r.accept(2, 0, 0, 0, 0, 1, 3, CHUNK, three, Chunking.crc(0, 0, 0, 1, 3, CHUNK, three)));
        org.junit.jupiter.api.Assertions.assertSame(three, one.payload());
        // a receiver that starts late (restarted) in the middle of transfer 5: that one is lost (acknowledged), transfer 6 arrives whole
        Reassembly late = new Reassembly(1000);
        var lost = assertInstanceOf(Reassembly.Refused.class, late.accept(7, 40, 40, 5, 1, 3, 25, CHUNK, part(payload, 1), crc(40, 5, 1, 3, 25, payload)));
        assertTrue(lost.reason().contains("lost") && lost.ackNext() == 41, lost.reason());
        assertInstanceOf(Reassembly.Refused.class, late.accept(7, 40, 41, 5, 2, 3, 25, CHUNK, part(payload, 2), crc(41, 5, 2, 3, 25, payload)));
        var next = late.accept(7, 41, 42, 6, 0, 1, 3, CHUNK, three, Chunking.crc(42, 6, 0, 1, 3, CHUNK, three));
        assertArrayEquals(three, assertInstanceOf(Reassembly.Complete.class, next).payload());
    }

    private static byte[] part(byte[] payload, int index) {
        int off = (int) Chunking.offset(index, CHUNK);
        return Arrays.copyOfRange(payload, off, off + Chunking.length(index, payload.length, CHUNK));
    }

    private static int crc(long seq, long transfer, int index, int count, int total, byte[] payload) {
        return Chunking.crc(seq, transfer, index, count, total, CHUNK, part(payload, index));
    }

    @Test
    void acksHeldBackByThePolicyAreOnlyForAcceptedChunksBelowHalfTheWindow() {
        Reassembly.Outcome accepted = new Reassembly.Accepted(5), complete = new Reassembly.Complete(5, 2, new byte[0]);
        assertEquals(4, AckPolicy.threshold(8));
        assertEquals(1, AckPolicy.threshold(3));
        assertEquals(1, AckPolicy.threshold(1));
        assertFalse(AckPolicy.ackNow(accepted, 4, 4, 8), "one outstanding of a window of 8: held");
        assertFalse(AckPolicy.ackNow(complete, 6, 4, 8), "three outstanding: held");
        assertTrue(AckPolicy.ackNow(complete, 7, 4, 8), "four outstanding: at once");
        assertTrue(AckPolicy.ackNow(accepted, 4, 4, 3), "a window of 3 acknowledges every chunk");
        assertTrue(AckPolicy.ackNow(new Reassembly.Refused(4, "gap"), 4, 4, 8), "a complaint goes at once");
        assertTrue(AckPolicy.ackNow(new Reassembly.Duplicate(5, "again"), 3, 3, 8), "a duplicate's ack goes at once");
        assertThrows(IllegalArgumentException.class, () -> AckPolicy.threshold(0));
    }

    /**
     * Sender (window over all transfers) and receiver exchanging over a channel that keeps order but
     * drops, corrupts or duplicates chunks and drops acks; a timeout fires when no ack came back. With
     * {@code holdAcks} the receiver follows {@link AckPolicy}: an ack it holds back is sent at the end of a
     * round half of the time (its delay ran out), and always before the sender would time out.
     */
    private record Simulation(Random rnd, int window, double drop, double corrupt, double dropAck, boolean holdAcks) {
        List<byte[]> run(List<byte[]> payloads) {
            Reassembly receiver = new Reassembly(1 << 20);
            SendWindow w = new SendWindow(window);
            List<long[]> transfers = new ArrayList<>();   // {first seq, count, payload index}
            for (int i = 0; i < payloads.size(); i++) {
                int count = Chunking.count(payloads.get(i).length, CHUNK);
                transfers.add(new long[]{w.extend(count), count, i});
            }
            List<byte[]> delivered = new ArrayList<>();
            for (int rounds = 0; !w.done(); rounds++) {
                assertTrue(rounds < 10_000, "no progress");
                long[] range = w.take();
                List<long[]> acks = new ArrayList<>();   // {next, epoch, complaint}
                long[] held = null;                      // an ack held back by the policy
                int epoch = w.epoch();
                for (long seq = range[0]; seq < range[1]; seq++) {
                    long s = seq;
                    long[] t = transfers.stream().filter(x -> s >= x[0] && s < x[0] + x[1]).findFirst().orElseThrow();
                    byte[] p = payloads.get((int) t[2]);
                    int index = (int) (seq - t[0]);
                    if (rnd.nextDouble() < drop) continue;
                    byte[] bytes = part(p, index);
                    int c = Chunking.crc(seq, t[2], index, (int) t[1], p.length, CHUNK, bytes);
                    if (bytes.length > 0 && rnd.nextDouble() < corrupt) bytes[rnd.nextInt(bytes.length)] ^= 0x10;
                    int copies = rnd.nextDouble() < 0.1 ? 2 : 1;
                    for (int k = 0; k < copies; k++) {
                        Reassembly.Outcome o = receiver.accept(9, w.acked(), seq, t[2], index, (int) t[1], p.length, CHUNK, bytes, c);
                        if (o instanceof Reassembly.Complete done) delivered.add(done.payload());
                        long[] ack = {o.ackNext(), epoch, o instanceof Reassembly.Refused ? 1 : 0};
                        if (holdAcks && !AckPolicy.ackNow(o, seq, w.acked(), window)) {
                            held = ack;
                            continue;
                        }
                        held = null;   // a cumulative ack sent now covers it
                        if (rnd.nextDouble() >= dropAck) acks.add(ack);
                    }
                }
                if (held != null && (acks.isEmpty() || rnd.nextBoolean()) && rnd.nextDouble() >= dropAck) acks.add(held);
                for (long[] a : acks) w.onAck(a[0], (int) a[1], a[2] == 1);
                if (acks.isEmpty() && !w.done()) w.timeout();
            }
            return delivered;
        }
    }
}
