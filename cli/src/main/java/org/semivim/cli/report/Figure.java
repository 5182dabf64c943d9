package org.semivim.cli.report;

/**
 * One entry of the report: a PNG plot, or a note saying why the plot is not there.
 *
 * @param file    the PNG's file name in the report directory, or null when skipped
 * @param title   what the plot shows
 * @param caption how to read it, or why it was skipped
 */
public record Figure(String file, String title, String caption) {
    public static Figure plot(String file, String title, String caption) {
        return new Figure(file, title, caption);
    }

    public static Figure skipped(String title, String why) {
        return new Figure(null, title, why);
    }

    public boolean isPlot() {
        return file != null;
    }
}
