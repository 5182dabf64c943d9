package org.semivim.actors.transfer;

/**
 * Pure sender-side flow control of a link (go-back-N with cumulative acknowledgements). The link's
 * chunks form one sequence 0, 1, 2, … across its transfers ({@link #extend} appends a transfer's
 * chunks), so the next transfer starts while the last chunks of the previous one are still in flight.
 * At most {@code window} chunks are sent and not yet acknowledged. An ack says "every chunk before
 * {@code next} has arrived". A complaint (the receiver refused a chunk: a gap or a corrupt chunk) makes
 * the sender go back to the first unacknowledged chunk and start a new send epoch; every chunk carries
 * the epoch it was sent in and the receiver's answer echoes it, so complaints caused by chunks sent
 * before the last go-back are ignored, while a complaint about a resent chunk (corrupt again) goes back
 * at once. A timeout without progress goes back as well.
 */
public final class SendWindow {
    /** What an acknowledgement did. */
    public enum AckEffect { PROGRESS, DONE, GO_BACK, IGNORED }

    private final int window;
    private long end;            // chunks appended so far
    private long acked;          // every chunk < acked has arrived
    private long next;           // the next chunk to send
    private int epoch;           // go-backs so far: the epoch of the chunks sent now

    public SendWindow(int window) {
        if (window < 1) throw new IllegalArgumentException("window " + window + " must be at least 1");
        this.window = window;
    }

    /** Appends {@code chunks} chunks (a transfer) to the sequence; returns the sequence number of the first. */
    public long extend(int chunks) {
        if (chunks < 1) throw new IllegalArgumentException("a transfer has at least one chunk, got " + chunks);
        long first = end;
        end += chunks;
        return first;
    }

    /** The chunks to send now, in order ({@code [from, to)}), and marks them sent. */
    public long[] take() {
        long from = next, to = Math.min(end, acked + window);
        if (to <= from) return new long[]{from, from};
        next = to;
        return new long[]{from, to};
    }

    /**
     * Applies the receiver's answer to a chunk of epoch {@code chunkEpoch}: every chunk before
     * {@code ackNext} has arrived; {@code complaint} when it refused the chunk.
     */
    public AckEffect onAck(long ackNext, int chunkEpoch, boolean complaint) {
        if (ackNext < 0 || ackNext > end) throw new IllegalArgumentException("ack " + ackNext + " outside 0.." + end);
        if (ackNext > acked) {
            acked = ackNext;
            if (next < acked) next = acked;   // after a go-back the receiver may be ahead of the resend point
            return acked == end ? AckEffect.DONE : AckEffect.PROGRESS;
        }
        if (!complaint || chunkEpoch != epoch || ackNext < acked || next == acked) return AckEffect.IGNORED;   // no news, an old epoch's, stale, nothing out
        goBack();
        return AckEffect.GO_BACK;
    }

    /** No progress for a while: send everything unacknowledged again. */
    public void timeout() {
        if (!done()) goBack();
    }

    private void goBack() {
        next = acked;
        epoch++;
    }

    /** The epoch of the chunks sent now (the number of go-backs so far). */
    public int epoch() {
        return epoch;
    }

    /** Every chunk appended so far is acknowledged. */
    public boolean done() {
        return acked == end;
    }

    /** Chunks sent and not acknowledged. */
    public long inFlight() {
        return next - acked;
    }

    public long acked() {
        return acked;
    }

    public long end() {
        return end;
    }
}
