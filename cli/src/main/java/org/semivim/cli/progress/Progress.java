package org.semivim.cli.progress;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of one long operation (training steps, evaluation batches): a terminal progress bar
 * when the output is a terminal, plain log lines otherwise (a log file, CI, a pipe).
 */
public interface Progress extends AutoCloseable {

    /** Moves to {@code current} done (absolute, {@code initial} ≤ current ≤ total) with a short status ("loss 0.41 acc 0.72"). */
    void update(long current, String status);

    /** Finishes the display (the bar's last state stays on screen; the log prints a last line). */
    @Override
    void close();

    /** How progress is shown. */
    enum Mode {
        /** {@code me.tongfei.progressbar} on stderr. */
        BAR,
        /** One line on stdout every few seconds and at the end. */
        LINES,
        /** Nothing. */
        NONE;

        /** BAR on a terminal ({@code System.console() != null}), LINES otherwise. */
        public static Mode auto() {
            return System.console() != null ? BAR : LINES;
        }
    }

    /**
     * Opens a display for {@code task} going from {@code initial} to {@code total} {@code unit}s, each
     * {@code itemsPerUnit} images (for the images/s rate).
     */
    static Progress open(Mode mode, String task, long initial, long total, String unit, long itemsPerUnit, PrintStream lines) {
        return switch (mode) {
            case BAR -> new BarProgress(task, initial, total, unit, itemsPerUnit);
            case LINES -> new LineProgress(task, initial, total, unit, itemsPerUnit, lines, System::nanoTime, LineProgress.DEFAULT_INTERVAL_NANOS);
            case NONE -> new Progress() {
                @Override
                public void update(long current, String status) {}

                @Override
                public void close() {}
            };
        };
    }

    /** For tests: plain lines with an injected clock and interval. */
    static Progress lines(String task, long initial, long total, String unit, long itemsPerUnit, PrintStream out,
                          LongSupplier nanoClock, long intervalNanos) {
        return new LineProgress(task, initial, total, unit, itemsPerUnit, out, nanoClock, intervalNanos);
    }
}
