package org.semivim.actors;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The DataLoader's decision, as a pure object: which step an augmenter asking for work gets.
 * <ul>
 *   <li>nothing before the first {@link #restartFrom} (TeacherInference says where the run is);</li>
 *   <li>first any re-queued step (work an augmenter lost), smallest first;</li>
 *   <li>else the next new step, if it is below {@code steps} and below {@code floor + lookahead},
 *       where floor is the number of committed steps: so at most {@code lookahead} steps are ever
 *       handed out beyond the committed one, whatever the speed of the consumers.</li>
 * </ul>
 */
final class WorkWindow {
    private final int lookahead;
    private final long steps;
    private final TreeSet<Long> requeued = new TreeSet<>();
    private boolean started;
    private long next, floor;

    WorkWindow(int lookahead, long steps) {
        if (lookahead < 1) throw new IllegalArgumentException("lookahead must be >= 1, got " + lookahead);
        this.lookahead = lookahead;
        this.steps = steps;
    }

    /** The step to hand out now, or empty when the window is full (the asker waits). */
    OptionalLong take() {
        if (!started) return OptionalLong.empty();
        Long again = requeued.pollFirst();
        if (again != null) return OptionalLong.of(again);
        if (next < steps && next < floor + lookahead) return OptionalLong.of(next++);
        return OptionalLong.empty();
    }

    /** {@code committed} steps are done: the window slides. */
    void committed(long committed) {
        floor = committed;
        requeued.headSet(committed).clear();
    }

    /** Hand out everything again from {@code step} (the consumer lost its buffer, or the run went back to a checkpoint). */
    void restartFrom(long step) {
        started = true;
        next = step;
        floor = step;
        requeued.clear();
    }

    /** An augmenter lost the work of {@code step}: hand it out again (if it is still needed). */
    void requeue(long step) {
        if (started && step >= floor && step < next) requeued.add(step);
    }

    /** Steps handed out at or beyond the committed one. */
    long outstanding() {
        return Math.max(0, next - floor);
    }
}
