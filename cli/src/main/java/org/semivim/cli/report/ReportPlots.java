package org.semivim.cli.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.eval.Evaluation;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The report's PNG plots (XChart), each written to the report directory, or a note when its data is absent. */
final class ReportPlots {
    static final int WIDTH = 960, HEIGHT = 440;
    private static final Color VIOLATION = new Color(0xD62728);

    private ReportPlots() {}

    static List<Figure> write(Path dir, MetricsSeries m, RunEvaluation eval) throws IOException {
        List<Figure> out = new ArrayList<>();
        out.add(losses(dir, m));
        out.add(pseudoLabels(dir, m));
        out.add(testAccuracy(dir, m, eval));
        out.addAll(lyapEma(dir, m));
        out.add(perClass(dir, eval));
        out.add(confusion(dir, eval));
        return out;
    }

    private static Figure losses(Path dir, MetricsSeries m) throws IOException {
        String title = "Training losses";
        if (m.stepRecords() == 0) return Figure.skipped(title, "no step records in metrics.jsonl yet");
        Xy c = xy(title, "loss");
        add(c, "L = L_x + w_u·L_u", m.series("loss"));
        add(c, "L_x (labeled)", m.series("loss_x"));
        add(c, "L_u (unlabeled)", m.series("loss_u"));
        return save(dir, "losses.png", c, title, "Per-step training loss and its labeled and unlabeled terms (L_u unweighted).");
    }

    private static Figure pseudoLabels(Path dir, MetricsSeries m) throws IOException {
        String title = "Mask rate and pseudo-label accuracy";
        MetricsSeries.Series mask = m.series("mask_rate"), accMasked = m.series("pseudo_acc_masked"), accAll = m.series("pseudo_acc_all");
        if (accAll.isEmpty()) return Figure.skipped(title, "no unlabeled data in this run (supervised) or no step records yet");
        Xy c = xy(title, "fraction");
        c.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        add(c, "mask rate", mask);
        add(c, "pseudo-label accuracy (masked-in)", accMasked);
        add(c, "pseudo-label accuracy (all unlabeled)", accAll);
        return save(dir, "pseudo_labels.png", c, title,
                "Fraction of the unlabeled batch that passed the confidence mask, and the accuracy of the pseudo-labels against the hidden true labels.");
    }

    private static Figure testAccuracy(Path dir, MetricsSeries m, RunEvaluation eval) throws IOException {
        String title = "Test accuracy of student and teacher";
        MetricsSeries.Series student = m.evalTop1("student"), teacher = m.evalTop1("teacher");
        if (student.isEmpty() && teacher.isEmpty() && eval == null) {
            return Figure.skipped(title, "no evaluation yet: metrics.jsonl has no evaluation records and report/eval.json is missing "
                    + "(run 'semivim eval <run-dir>')");
        }
        Xy c = xy(title, "top-1 accuracy");
        c.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        add(c, "student (test)", student);
        add(c, "teacher (test)", teacher);
        add(c, "student (validation)", m.evalTop1("student", "validation"));
        add(c, "teacher (validation)", m.evalTop1("teacher", "validation"));
        String note = student.isEmpty() && teacher.isEmpty() ? " The metrics log has no evaluation records during training; only the final evaluation is shown." : "";
        if (eval != null) {
            finalPoint(c, "student (final)", eval.step(), eval.student());
            if (eval.teacher() != null) finalPoint(c, "teacher (final)", eval.step(), eval.teacher());
        }
        return save(dir, "test_accuracy.png", c, title, "Top-1 accuracy on the balanced test set (and the validation split, when the evaluation log has it) over training steps." + note);
    }

    private static void finalPoint(Xy c, String name, long step, Evaluation e) {
        XYSeries s = c.add(name, new double[] {step}, new double[] {e.top1()});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
    }

    private static List<Figure> lyapEma(Path dir, MetricsSeries m) throws IOException {
        if (!m.has("alpha")) return List.of(Figure.skipped("LyapEMA α, V, s, λ", "not a LyapEMA run (no alpha in the step records)"));
        int violations = m.count("violated");
        List<Figure> out = new ArrayList<>();
        String[][] fields = {
                {"alpha", "LyapEMA α (teacher update weight)", "lyapema_alpha.png"},
                {"v", "LyapEMA V (Lyapunov value)", "lyapema_v.png"},
                {"s", "LyapEMA s (learning-rate scale)", "lyapema_s.png"},
                {"lam", "LyapEMA λ (pull strength)", "lyapema_lambda.png"}};
        for (String[] f : fields) {
            Xy c = xy(f[1], f[0]);
            add(c, f[0], m.series(f[0]));
            MetricsSeries.Series bad = m.seriesWhere(f[0], "violated");
            if (!bad.isEmpty()) {
                XYSeries s = c.add("violation", bad.x(), bad.y());
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(VIOLATION);
            }
            out.add(save(dir, f[2], c, f[1], "Red circles mark the " + violations + " step(s) whose Lyapunov condition was violated."));
        }
        return out;
    }

    private static Figure perClass(Path dir, RunEvaluation eval) throws IOException {
        String title = "Per-class test accuracy, head to tail";
        if (eval == null) return Figure.skipped(title, "no evaluation yet (run 'semivim eval <run-dir>')");
        List<Integer> order = headToTail(eval.labeledCounts());
        List<String> labels = new ArrayList<>();
        for (int k : order) labels.add(shortName(eval.classNames().get(k)) + " (" + eval.labeledCounts().get(k) + ")");
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("class (labeled training images)")
                .yAxisTitle("recall").build();
        style(c.getStyler());
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setXAxisLabelRotation(30);
        c.addSeries("student", labels, values(eval.student().perClassAccuracy(), order));
        if (eval.teacher() != null) c.addSeries("teacher", labels, values(eval.teacher().perClassAccuracy(), order));
        return save(dir, "per_class.png", c, title, "Recall per class, classes sorted by labeled training count (largest first).");
    }

    private static Figure confusion(Path dir, RunEvaluation eval) throws IOException {
        String title = "Confusion matrix (student, row-normalised)";
        if (eval == null) return Figure.skipped(title, "no evaluation yet (run 'semivim eval <run-dir>')");
        int k = eval.classNames().size();
        List<String> names = new ArrayList<>();
        for (String n : eval.classNames()) names.add(shortName(n));
        List<Number[]> cells = new ArrayList<>();
        List<List<Double>> norm = eval.student().confusionNormalized();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) cells.add(new Number[] {p, k - 1 - t, norm.get(t).get(p)});   // true class 0 at the top
        }
        List<String> yNames = new ArrayList<>(names);
        java.util.Collections.reverse(yNames);
        HeatMapChart c = new HeatMapChartBuilder().width(Math.max(WIDTH, 70 * k + 300)).height(Math.max(640, 50 * k + 200)).title(title)
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setYAxisTickMarkSpacingHint(10).setXAxisTickMarkSpacingHint(10);
        c.getStyler().setShowValue(k <= 20).setMin(0).setMax(1).setHeatMapValueDecimalPattern("0.00").setXAxisLabelRotation(30);
        c.getStyler().setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x9ECAE1), new Color(0x3182BD)});
        c.addSeries("fraction of the true class", names, yNames, cells);
        return save(dir, "confusion.png", c, title, "Row t, column p: the fraction of test images of class t predicted as p.");
    }

    /** Class indices by labeled count, largest first; equal counts by lower index (ClassGroups' order). */
    static List<Integer> headToTail(List<Integer> labeledCounts) {
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < labeledCounts.size(); k++) order.add(k);
        order.sort(Comparator.<Integer>comparingInt(k -> -labeledCounts.get(k)).thenComparingInt(k -> k));
        return order;
    }

    private static List<Double> values(List<Double> perClass, List<Integer> order) {
        List<Double> out = new ArrayList<>();
        for (int k : order) out.add(Double.isNaN(perClass.get(k)) ? 0.0 : perClass.get(k));
        return out;
    }

    private static String shortName(String name) {
        return name.length() <= 12 ? name : name.substring(0, 11) + "…";
    }

    private static Xy xy(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarkerSize(7);
        return new Xy(c);
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setAntiAlias(true);
    }

    /** A line series (markers only when it has few points); empty series are left out. */
    private static void add(Xy c, String name, MetricsSeries.Series s) {
        if (s.isEmpty()) return;
        XYSeries series = c.add(name, s.x(), s.y());
        series.setMarker(SeriesMarkers.NONE);
    }

    private static Figure save(Path dir, String file, Xy xy, String title, String caption) throws IOException {
        if (xy.series == 0) return Figure.skipped(title, "no numeric values for this plot in the metrics log");
        return saveChart(dir, file, xy.chart, title, caption);
    }

    /** An XY chart and how many series it has (XChart does not say). */
    private static final class Xy {
        final XYChart chart;
        int series;

        Xy(XYChart chart) {
            this.chart = chart;
        }

        XYSeries add(String name, double[] x, double[] y) {
            series++;
            return chart.addSeries(name, x, y);
        }
    }

    private static Figure save(Path dir, String file, CategoryChart chart, String title, String caption) throws IOException {
        return saveChart(dir, file, chart, title, caption);
    }

    private static Figure save(Path dir, String file, HeatMapChart chart, String title, String caption) throws IOException {
        return saveChart(dir, file, chart, title, caption);
    }

    private static Figure saveChart(Path dir, String file, Chart<?, ?> chart, String title, String caption) throws IOException {
        try (OutputStream out = Files.newOutputStream(dir.resolve(file))) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return Figure.plot(file, title, caption);
    }
}
