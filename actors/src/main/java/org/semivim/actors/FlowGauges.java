package org.semivim.actors;

import java.util.concurrent.atomic.AtomicLong;

/**
 * High-water marks of the run's buffers, updated by the actors of this JVM (diagnostics and the
 * flow-control test): how far the DataLoader has handed out work beyond the committed step, how
 * many steps' views TeacherInference holds, and how many rendered views are in flight (sent by an
 * Augmenter, not yet taken by TeacherInference, i.e. sitting in its mailbox).
 */
public final class FlowGauges {
    private final AtomicLong outstandingSteps = new AtomicLong(), maxOutstandingSteps = new AtomicLong();
    private final AtomicLong bufferedViews = new AtomicLong(), maxBufferedViews = new AtomicLong();
    private final AtomicLong viewsInFlight = new AtomicLong(), maxViewsInFlight = new AtomicLong();
    private final AtomicLong rendered = new AtomicLong();

    void outstandingSteps(long n) {
        outstandingSteps.set(n);
        maxOutstandingSteps.accumulateAndGet(n, Math::max);
    }

    void bufferedViews(long n) {
        bufferedViews.set(n);
        maxBufferedViews.accumulateAndGet(n, Math::max);
    }

    void viewsSent() {
        rendered.incrementAndGet();
        maxViewsInFlight.accumulateAndGet(viewsInFlight.incrementAndGet(), Math::max);
    }

    void viewsReceived() {
        viewsInFlight.decrementAndGet();
    }

    /** Steps handed out to augmenters at or beyond the committed step, now. */
    public long outstandingSteps() {
        return outstandingSteps.get();
    }

    public long maxOutstandingSteps() {
        return maxOutstandingSteps.get();
    }

    /** Steps whose views TeacherInference holds, now. */
    public long bufferedViews() {
        return bufferedViews.get();
    }

    public long maxBufferedViews() {
        return maxBufferedViews.get();
    }

    /** Views messages sent but not yet handled by TeacherInference, now. */
    public long viewsInFlight() {
        return viewsInFlight.get();
    }

    public long maxViewsInFlight() {
        return maxViewsInFlight.get();
    }

    /** Views rendered so far (re-renders after a fault or a reset included). */
    public long rendered() {
        return rendered.get();
    }
}
