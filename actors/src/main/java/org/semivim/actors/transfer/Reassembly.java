package org.semivim.actors.transfer;

/**
 * Pure receiver side of one link: puts a sender's transfers back together, strictly in order. The
 * link's chunks carry one sequence number {@code seq} across transfers (a new stream id for each sender
 * incarnation; a receiver new to a stream starts at the sender's oldest unacknowledged chunk); transfer n + 1 follows the last
 * chunk of transfer n in that sequence. Every chunk is answered with the cumulative ack
 * ({@link Outcome#ackNext}: every chunk before it has arrived), and:
 * <ul>
 *   <li>the expected chunk with a good length, CRC and header is {@link Accepted} (a transfer's last one
 *   {@link Complete}, with the payload);</li>
 *   <li>a chunk already received is a {@link Duplicate} (a resend: no harm);</li>
 *   <li>a chunk after a missing one, a corrupt chunk (CRC over header and bytes, or length), or a header
 *   that contradicts the transfer in progress or skips a transfer is {@link Refused} with the reason; the
 *   ack makes the sender go back to the missing chunk. A receiver that first hears a stream in the middle
 *   of a transfer (it was restarted) cannot rebuild that transfer: its chunks are refused as lost but
 *   acknowledged, and the next transfer is received whole.</li>
 * </ul>
 */
public final class Reassembly {

    /** What one chunk did; {@code ackNext} is the acknowledgement to send. */
    public sealed interface Outcome permits Accepted, Complete, Duplicate, Refused {
        long ackNext();
    }

    public record Accepted(long ackNext) implements Outcome {}

    /**
     * The last chunk of transfer {@code transfer}: {@code payload} is the whole transfer (for a transfer of one chunk, that
     * chunk's own array: callers only read it).
     */
    public record Complete(long ackNext, long transfer, byte[] payload) implements Outcome {}

    public record Duplicate(long ackNext, String reason) implements Outcome {}

    public record Refused(long ackNext, String reason) implements Outcome {}

    private final int maxBytes;
    private boolean started, fresh;
    private long stream;
    private long expected;          // the next chunk of the sequence
    private long lastTransfer;      // the last transfer completed (or lost)
    private long lostTransfer = -1; // a transfer joined in the middle: its chunks are acknowledged and dropped
    private long transfer = -1;     // the transfer in progress, −1 at a boundary
    private int count, totalBytes, chunkBytes, index;
    private byte[] buffer;

    /** @param maxBytes the largest payload accepted (a header announcing more is refused) */
    public Reassembly(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Chunk {@code seq} of the stream: chunk {@code index} of {@code count} of {@code transfer}
     * ({@code totalBytes}, cut at {@code chunkBytes}); {@code base} is the oldest chunk the sender can still
     * resend (its first unacknowledged one), where a receiver that has not heard the stream before starts.
     */
    public Outcome accept(long stream, long base, long seq, long transfer, int index, int count, int totalBytes, int chunkBytes, byte[] bytes,
                          int crc) {
        String label = "chunk " + index + " of transfer " + transfer + " (seq " + seq + ")";
        if (!started || stream != this.stream) {   // first contact, or a new sender incarnation (which abandoned what was in progress)
            started = true;
            this.stream = stream;
            expected = base;
            fresh = true;
            this.transfer = -1;
            buffer = null;
        }
        if (seq == expected && fresh && crc == Chunking.crc(seq, transfer, index, count, totalBytes, chunkBytes, bytes)) {
            fresh = false;   // the first chunk of the stream this receiver gets: a transfer joined in the middle is lost
            lastTransfer = transfer - 1;
            lostTransfer = index == 0 ? -1 : transfer;
        }
        if (seq < expected) return new Duplicate(expected, label + ": already received");
        if (seq > expected) {
            return new Refused(expected, label + " arrived but seq " + expected + " is missing" + (seq - expected > 1 ? " (and " + (seq - expected - 1) + " more)" : ""));
        }
        int length = bytes == null ? -1 : bytes.length;
        if (crc != Chunking.crc(seq, transfer, index, count, totalBytes, chunkBytes, bytes)) {
            return new Refused(expected, label + ": corrupt (CRC-32C of header and " + length + " bytes does not match)");
        }
        if (transfer == lostTransfer) {
            expected++;
            if (index == count - 1) lastTransfer = transfer;
            return new Refused(expected, label + ": this receiver started in the middle of the transfer, which is lost");
        }
        if (this.transfer < 0) {
            if (transfer != lastTransfer + 1) return new Refused(expected, label + ": transfer " + (lastTransfer + 1) + " is next");
            String bad = header(index, count, totalBytes, chunkBytes);
            if (bad != null) return new Refused(expected, label + ": " + bad);
            if (index != 0) return new Refused(expected, label + ": a transfer starts at chunk 0");
            this.transfer = transfer;
            this.count = count;
            this.totalBytes = totalBytes;
            this.chunkBytes = chunkBytes;
            this.index = 0;
            this.buffer = count == 1 ? null : new byte[totalBytes];   // a one-chunk transfer is its chunk's bytes (no copy)
        } else if (transfer != this.transfer || count != this.count || totalBytes != this.totalBytes || chunkBytes != this.chunkBytes
                || index != this.index) {
            return new Refused(expected, label + ": header (" + count + " chunks, " + totalBytes + " bytes, chunk " + chunkBytes
                    + ") contradicts transfer " + this.transfer + " in progress (chunk " + this.index + " of " + this.count + ", " + this.totalBytes
                    + " bytes, chunk " + this.chunkBytes + ")");
        }
        int want = Chunking.length(index, totalBytes, chunkBytes);
        if (length != want) return new Refused(expected, label + ": " + length + " bytes, expected " + want);
        if (buffer != null) System.arraycopy(bytes, 0, buffer, (int) Chunking.offset(index, chunkBytes), length);
        this.index++;
        expected++;
        if (this.index < this.count) return new Accepted(expected);
        byte[] payload = buffer != null ? buffer : bytes;
        lastTransfer = transfer;
        this.transfer = -1;
        buffer = null;
        return new Complete(expected, transfer, payload);
    }

    private String header(int index, int count, int totalBytes, int chunkBytes) {
        if (chunkBytes <= 0) return "chunk size " + chunkBytes;
        if (totalBytes < 0 || totalBytes > maxBytes) return "payload of " + totalBytes + " bytes (at most " + maxBytes + ")";
        if (count != Chunking.count(totalBytes, chunkBytes)) return count + " chunks cannot hold " + totalBytes + " bytes in chunks of " + chunkBytes;
        if (index < 0 || index >= count) return "index outside 0.." + (count - 1);
        return null;
    }
}
