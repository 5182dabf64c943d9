package org.semivim.actors.transfer;

/**
 * Pure receiver-side rule of a link: which chunks are acknowledged at once and which acknowledgements
 * may wait. An ack is a message of its own across nodes (Artery, a socket write, the threads it wakes on
 * both sides), and in a steady run a trainer's link carries three chunks a step and the gradient's link
 * one, each acknowledged by itself before this rule. Acks are cumulative ("every chunk before n has
 * arrived"), so one ack can stand for several chunks:
 * <ul>
 *   <li>a refused chunk (gap, corrupt, contradicting header) and a duplicate are answered at once: the
 *   sender's go-back depends on it;</li>
 *   <li>an accepted chunk is answered at once when the sender has {@link #threshold} or more chunks
 *   unacknowledged counting this one ({@code seq + 1 − base}, {@code base} being the sender's oldest
 *   unacknowledged chunk, carried by every chunk), so a sender never runs out of window while an ack
 *   waits; otherwise the ack is held, for at most the settings' ack delay (shorter than the sender's
 *   resend timeout), and a later ack or the delay's end sends it.</li>
 * </ul>
 */
public final class AckPolicy {
    private AckPolicy() {}

    /** The number of unacknowledged chunks at which an accepted chunk is acknowledged at once: half the window, at least 1. */
    public static int threshold(int window) {
        if (window < 1) throw new IllegalArgumentException("window " + window + " must be at least 1");
        return Math.max(1, window / 2);
    }

    /** Whether the answer to chunk {@code seq} (sent with the sender's oldest unacknowledged chunk {@code base}) goes at once. */
    public static boolean ackNow(Reassembly.Outcome outcome, long seq, long base, int window) {
        if (!(outcome instanceof Reassembly.Accepted) && !(outcome instanceof Reassembly.Complete)) return true;
        return seq + 1 - base >= threshold(window);
    }
}
