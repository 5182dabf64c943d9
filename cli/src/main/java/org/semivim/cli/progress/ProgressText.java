package org.semivim.cli.progress;

import java.util.Locale;

/** The pure parts of a progress display: rate, ETA and the plain log line. */
public final class ProgressText {
    private ProgressText() {}

    /** Items (images) per second done since the start, or NaN before anything was done. */
    public static double itemsPerSecond(long done, long itemsPerUnit, long elapsedNanos) {
        if (done <= 0 || elapsedNanos <= 0) return Double.NaN;
        return done * (double) itemsPerUnit / (elapsedNanos / 1e9);
    }

    /** Seconds left at the rate so far, or NaN before anything was done. */
    public static double etaSeconds(long done, long remaining, long elapsedNanos) {
        if (done <= 0 || elapsedNanos <= 0) return Double.NaN;
        return remaining * (elapsedNanos / 1e9) / done;
    }

    /** "1h02m", "3m07s", "42s", "?" for NaN. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }

    /** "train 120/500 steps (24%) 45.2 img/s ETA 3m12s | loss 1.234 acc 0.61"; without images per unit (≤ 0) no rate. */
    public static String line(String task, long current, long initial, long total, String unit, long itemsPerUnit, long elapsedNanos,
                              String status) {
        long done = current - initial;
        double rate = itemsPerSecond(done, itemsPerUnit, elapsedNanos);
        double eta = etaSeconds(done, total - current, elapsedNanos);
        String percent = total > 0 ? String.format(Locale.ROOT, "%d%%", (int) Math.floor(100.0 * current / total)) : "?";
        String r = itemsPerUnit <= 0 ? "" : (Double.isNaN(rate) ? "? img/s " : String.format(Locale.ROOT, "%.1f img/s ", rate));
        return String.format(Locale.ROOT, "%s %d/%d %s (%s) %sETA %s%s", task, current, total, unit, percent, r,
                current >= total ? "0s" : duration(eta), status == null || status.isEmpty() ? "" : " | " + status);
    }
}
