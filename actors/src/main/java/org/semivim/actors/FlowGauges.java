package org.semivim.actors;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * High-water marks of the run's buffers, updated by the actors of this JVM (diagnostics and the
 * flow-control test): how far the DataLoader has handed out work beyond the committed step, how
 * many steps' views TeacherInference holds, and how many rendered views are in flight (sent by an
 * Augmenter, not yet taken by TeacherInference, i.e. sitting in its mailbox). Also the time each
 * kind of actor spends working ({@link Work}), for the per-actor breakdown of a step.
 */
public final class FlowGauges {

    /** The work an actor does for a step. */
    public enum Work {
        /** An Augmenter rendering a step's views. */
        RENDER,
        /** TeacherInference: pseudo-labels, loss terms, shard split. */
        PSEUDO_LABEL,
        /** A StudentTrainer computing its shards' gradients. */
        SHARDS,
        /** The LyapunovSupervisor: sum, update, record, snapshot for the broadcast. */
        UPDATE
    }

    private final LongAdder[] workNanos = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] workCount = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    void worked(Work w, long nanos) {
        workNanos[w.ordinal()].add(nanos);
        workCount[w.ordinal()].increment();
    }

    /** Starts the work totals over (a benchmark leaving out its warm-up steps). */
    public void resetWork() {
        for (LongAdder a : workNanos) a.reset();
        for (LongAdder a : workCount) a.reset();
    }

    /** Total nanoseconds spent on {@code w} (all actors of that kind together). */
    public long workNanos(Work w) {
        return workNanos[w.ordinal()].sum();
    }

    /** How many times {@code w} was done. */
    public long workCount(Work w) {
        return workCount[w.ordinal()].sum();
    }

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
