package org.semivim.cli.report;

import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a run's report: {@code report/index.html} and its PNG plots, from metrics.jsonl and
 * report/eval.json. Plots whose data is absent become a note on the page. PNGs of an older report
 * that this one does not draw are removed, so the page references every PNG in the directory.
 */
public final class ReportWriter {
    public static final String INDEX = "index.html";
    /** The evaluation log of the loop's PeriodicEvaluator (docs/training-loop.md), when the run has one. */
    public static final String EVAL_LOG = "eval.jsonl";

    private ReportWriter() {}

    public static Path write(RunDirectory run) throws IOException {
        Path dir = run.reportDir();
        Files.createDirectories(dir);
        MetricsSeries metrics = MetricsSeries.read(run.metricsFile(), run.dir().resolve(EVAL_LOG));
        RunEvaluation eval = RunEvaluation.read(dir);
        List<Figure> figures = ReportPlots.write(dir, metrics, eval);
        Set<String> drawn = new HashSet<>();
        for (Figure f : figures) if (f.isPlot()) drawn.add(f.file());
        try (DirectoryStream<Path> pngs = Files.newDirectoryStream(dir, "*.png")) {
            for (Path p : pngs) if (!drawn.contains(p.getFileName().toString())) Files.delete(p);
        }
        String configJson = Files.readString(run.dir().resolve(RunDirectory.CONFIG_JSON));
        String name = run.dir().toAbsolutePath().normalize().getFileName().toString();
        Path index = dir.resolve(INDEX);
        Files.writeString(index, ReportPage.html(name, run.config(), metrics, eval, figures, configJson));
        return index;
    }
}
