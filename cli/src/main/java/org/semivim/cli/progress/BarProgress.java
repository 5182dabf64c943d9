package org.semivim.cli.progress;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/** A {@code me.tongfei.progressbar} bar on stderr: count, percent, elapsed, ETA, plus images/s and the status. */
final class BarProgress implements Progress {
    private final ProgressBar bar;
    private final long initial, itemsPerUnit, start;

    BarProgress(String task, long initial, long total, String unit, long itemsPerUnit) {
        this.initial = initial;
        this.itemsPerUnit = itemsPerUnit;
        this.start = System.nanoTime();
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(initial, Duration.ZERO)
                .setUnit(" " + unit, 1).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500)
                .setMaxRenderedLength(160).build();
    }

    @Override
    public void update(long current, String status) {
        double rate = ProgressText.itemsPerSecond(current - initial, itemsPerUnit, System.nanoTime() - start);
        bar.stepTo(current);
        bar.setExtraMessage((Double.isNaN(rate) || itemsPerUnit <= 0 ? "" : String.format(java.util.Locale.ROOT, "%.1f img/s ", rate)) + status);
    }

    @Override
    public void close() {
        bar.close();
    }
}
