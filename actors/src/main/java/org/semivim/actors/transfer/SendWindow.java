package org.semivim.actors.transfer;

/**
 * Pure sender-side flow control of one transfer of {@code count} chunks (go-back-N with cumulative
 * acknowledgements): at most {@code window} chunks are sent and not yet acknowledged. An ack says
 * "every chunk before {@code next} has arrived". An ack that does not advance while chunks are out is
 * the receiver's complaint (a gap or a corrupt chunk): the sender goes back to the first unacknowledged
 * chunk, once per position (later complaints about the same position, caused by the chunks already in
 * flight, are ignored). A timeout without progress goes back as well.
 */
public final class SendWindow {
    /** What an acknowledgement did. */
    public enum AckEffect { PROGRESS, DONE, GO_BACK, IGNORED }

    private final int count;
    private final int window;
    private int acked;          // every chunk < acked has arrived
    private int next;           // the next chunk to send
    private int wentBackAt = -1;

    public SendWindow(int count, int window) {
        if (count < 1 || window < 1) throw new IllegalArgumentException("count " + count + " and window " + window + " must be at least 1");
        this.count = count;
        this.window = window;
    }

    /** The chunks to send now, in order ({@code [from, to)}), and marks them sent. */
    public int[] take() {
        int from = next, to = Math.min(count, acked + window);
        if (to <= from) return new int[]{from, from};
        next = to;
        return new int[]{from, to};
    }

    /** Applies an acknowledgement that every chunk before {@code ackNext} has arrived. */
    public AckEffect onAck(int ackNext) {
        if (ackNext < 0 || ackNext > count) throw new IllegalArgumentException("ack " + ackNext + " outside 0.." + count);
        if (ackNext > acked) {
            acked = ackNext;
            if (next < acked) next = acked;   // after a go-back the receiver may be ahead of the resend point
            return acked == count ? AckEffect.DONE : AckEffect.PROGRESS;
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

    public boolean done() {
        return acked == count;
    }

    /** Chunks sent and not acknowledged. */
    public int inFlight() {
        return next - acked;
    }

    public int acked() {
        return acked;
    }
}
