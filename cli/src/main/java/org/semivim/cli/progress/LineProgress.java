package org.semivim.cli.progress;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/** Plain log lines: the first update, then at most one line per interval, and a last line on close. */
final class LineProgress implements Progress {
    static final long DEFAULT_INTERVAL_NANOS = 10_000_000_000L;

    private final String task, unit;
    private final long initial, total, itemsPerUnit, intervalNanos, start;
    private final PrintStream out;
    private final LongSupplier clock;
    private long lastPrinted = Long.MIN_VALUE;
    private long current;
    private String status = "";
    private boolean printedCurrent;

    LineProgress(String task, long initial, long total, String unit, long itemsPerUnit, PrintStream out, LongSupplier clock, long intervalNanos) {
        this.task = task;
        this.unit = unit;
        this.initial = initial;
        this.total = total;
        this.itemsPerUnit = itemsPerUnit;
        this.out = out;
        this.clock = clock;
        this.intervalNanos = intervalNanos;
        this.start = clock.getAsLong();
        this.current = initial;
    }

    @Override
    public void update(long current, String status) {
        this.current = current;
        this.status = status;
        long now = clock.getAsLong();
        if (lastPrinted == Long.MIN_VALUE || now - lastPrinted >= intervalNanos) {
            print(now);
        } else {
            printedCurrent = false;
        }
    }

    private void print(long now) {
        out.println(ProgressText.line(task, current, initial, total, unit, itemsPerUnit, now - start, status));
        out.flush();
        lastPrinted = now;
        printedCurrent = true;
    }

    @Override
    public void close() {
        if (!printedCurrent && current > initial) print(clock.getAsLong());
    }
}
