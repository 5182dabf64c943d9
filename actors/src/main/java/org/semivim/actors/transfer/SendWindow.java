package org.semivim.actors.transfer;

/**
 * Pure sender-side flow control of a link (go-back-N with cumulative acknowledgements). The link's
 * chunks form one sequence 0, 1, 2, … across its transfers ({@link #extend} appends a transfer's
 * chunks), so the next transfer starts while the last chunks of the previous one are still in flight.
 * At most {@code window} chunks are sent and not yet acknowledged. An ack says "every chunk before
 * {@code next} has arrived". An ack that does not advance while chunks are out is the receiver's
 * complaint (a gap or a corrupt chunk): the sender goes back to the first unacknowledged chunk, once per
 * position (later complaints about the same position, caused by the chunks already in flight, are
 * ignored). A timeout without progress goes back as well.
 */
public final class SendWindow {
    /** What an acknowledgement did. */
    public enum AckEffect { PROGRESS, DONE, GO_BACK, IGNORED }

    private final int window;
    private long end;            // chunks appended so far
    private long acked;          // every chunk < acked has arrived
    private long next;           // the next chunk to send
    private long wentBackAt = -1;

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

    /** Applies an acknowledgement that every chunk before {@code ackNext} has arrived. */
    public AckEffect onAck(long ackNext) {
        if (ackNext < 0 || ackNext > end) throw new IllegalArgumentException("ack " + ackNext + " outside 0.." + end);
        if (ackNext > acked) {
            acked = ackNext;
            if (next < acked) next = acked;   // after a go-back the receiver may be ahead of the resend point
            return acked == end ? AckEffect.DONE : AckEffect.PROGRESS;
        }
        if (ackNext < acked || next == acked || wentBackAt == acked) return AckEffect.IGNORED;   // stale, nothing out, or already gone back
        goBack();
        return AckEffect.GO_BACK;
    }

    /** No progress for a while: send everything unacknowledged again. */
    public void timeout() {
        if (done()) return;
        wentBackAt = -1;
        goBack();
    }

    private void goBack() {
        next = acked;
        wentBackAt = acked;
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
