package org.semivim.actors.transfer;

/**
 * Pure receiver side of one link: puts the chunks of a sender's transfers back together, strictly in
 * order. Transfers are numbered 0, 1, … per sender stream (a stream id is new for each sender
 * incarnation; the first chunk seen of a stream sets where it starts); the chunks of transfer n come in order, and transfer n + 1 starts only after n is
 * complete (the sender waits for the final ack). Every chunk is answered with the cumulative ack
 * ({@link Outcome#ackNext}: all chunks of the transfer before it have arrived), and:
 * <ul>
 *   <li>the expected chunk with a good length and CRC is {@link Accepted} (the last one {@link Complete}, with the payload);</li>
 *   <li>a chunk already received, or of a completed transfer, is a {@link Duplicate} (a resend: no harm);</li>
 *   <li>a chunk after a missing one, a corrupt chunk (CRC or length), a header that contradicts the
 *   transfer's, or a new transfer while one is incomplete is {@link Refused} with the reason; the ack
 *   makes the sender go back to the missing chunk.</li>
 * </ul>
 */
public final class Reassembly {

    /** What one chunk did; {@code ackNext} is the acknowledgement to send for {@code transfer}. */
    public sealed interface Outcome permits Accepted, Complete, Duplicate, Refused {
        long transfer();

        int ackNext();
    }

    public record Accepted(long transfer, int ackNext) implements Outcome {}

    /** The transfer's last chunk: {@code payload} is the whole transfer. */
    public record Complete(long transfer, int ackNext, byte[] payload) implements Outcome {}

    public record Duplicate(long transfer, int ackNext, String reason) implements Outcome {}

    public record Refused(long transfer, int ackNext, String reason) implements Outcome {}

    private final int maxBytes;
    private long stream;
    private boolean started;
    private long completed = -1;   // the last complete transfer of this stream
    private int completedCount;    // its chunk count (the ack for a duplicate of it)
    private long transfer = -1;    // the transfer in progress, −1 when none
    private int count, totalBytes, chunkBytes, expected;
    private byte[] buffer;

    /** @param maxBytes the largest payload accepted (a header announcing more is refused) */
    public Reassembly(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** One chunk: chunk {@code index} of {@code count} of transfer {@code transfer} of {@code totalBytes}, cut at {@code chunkBytes}. */
    public Outcome accept(long stream, long transfer, int index, int count, int totalBytes, int chunkBytes, byte[] bytes, int crc) {
        if (!started || stream != this.stream) {   // first contact, or a new sender incarnation (which abandoned what was in progress)
            started = true;
            this.stream = stream;
            completed = transfer - 1;                // a receiver that starts late (restarted) joins the stream where it is
            this.transfer = -1;
            buffer = null;
        }
        String label = "chunk " + index + " of transfer " + transfer;
        if (transfer <= completed) {
            return new Duplicate(transfer, transfer == completed ? completedCount : count, label + ": the transfer is already complete");
        }
        if (this.transfer >= 0 && transfer != this.transfer) {
            return new Refused(this.transfer, expected, label + " arrived while transfer " + this.transfer + " is incomplete ("
                    + expected + " of " + this.count + " chunks): out of order");
        }
        if (this.transfer < 0) {
            if (transfer != completed + 1) {
                return new Refused(completed + 1, 0, label + " arrived but transfer " + (completed + 1) + " is next: transfers missing");
            }
            String bad = header(index, count, totalBytes, chunkBytes);
            if (bad != null) return new Refused(transfer, 0, label + ": " + bad);
            if (index != 0) return new Refused(transfer, 0, label + " arrived but chunk 0 is missing");
            this.transfer = transfer;
            this.count = count;
            this.totalBytes = totalBytes;
            this.chunkBytes = chunkBytes;
            this.expected = 0;
            this.buffer = new byte[totalBytes];
        } else if (count != this.count || totalBytes != this.totalBytes || chunkBytes != this.chunkBytes) {
            return new Refused(transfer, expected, label + ": header (" + count + " chunks, " + totalBytes + " bytes, chunk " + chunkBytes
                    + ") contradicts the transfer's (" + this.count + ", " + this.totalBytes + ", " + this.chunkBytes + ")");
        }
        if (index < expected) return new Duplicate(transfer, expected, label + ": already received");
        if (index > expected) {
            return new Refused(transfer, expected, label + " arrived but chunk " + expected + " is missing"
                    + (index - expected > 1 ? " (and " + (index - expected - 1) + " more)" : ""));
        }
        int length = Chunking.length(index, totalBytes, chunkBytes);
        if (bytes == null || bytes.length != length) {
            return new Refused(transfer, expected, label + ": " + (bytes == null ? "no bytes" : bytes.length + " bytes") + ", expected " + length);
        }
        int actual = Chunking.crc(bytes, 0, length);
        if (actual != crc) {
            return new Refused(transfer, expected, label + ": corrupt (CRC-32C " + Integer.toHexString(actual) + ", sent " + Integer.toHexString(crc) + ")");
        }
        System.arraycopy(bytes, 0, buffer, (int) Chunking.offset(index, chunkBytes), length);
        expected++;
        if (expected < this.count) return new Accepted(transfer, expected);
        byte[] payload = buffer;
        completed = transfer;
        completedCount = this.count;
        this.transfer = -1;
        buffer = null;
        return new Complete(transfer, completedCount, payload);
    }

    private String header(int index, int count, int totalBytes, int chunkBytes) {
        if (chunkBytes <= 0) return "chunk size " + chunkBytes;
        if (totalBytes < 0 || totalBytes > maxBytes) return "payload of " + totalBytes + " bytes (at most " + maxBytes + ")";
        if (count != Chunking.count(totalBytes, chunkBytes)) return count + " chunks cannot hold " + totalBytes + " bytes in chunks of " + chunkBytes;
        if (index < 0 || index >= count) return "index outside 0.." + (count - 1);
        return null;
    }

    /** The transfer in progress and the chunks of it received, for messages ("none" when idle). */
    public String progress() {
        return transfer < 0 ? "none" : "transfer " + transfer + ": " + expected + " of " + count + " chunks";
    }
}
