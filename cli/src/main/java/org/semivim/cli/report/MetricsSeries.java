package org.semivim.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The records of a run's metrics.jsonl, split into step records (one per training step, with
 * "loss") and evaluation records (test accuracy during training), as series over steps.
 *
 * <p>Evaluation records come from the run's {@code eval.jsonl} (the loop's {@code PeriodicEvaluator}:
 * {@code {"step", "type": "eval" | "best", "validation": {"student": Evaluation, "teacher": …},
 * "test": {…}}}) or from metrics.jsonl lines without "loss" that have a top-1 for a model:
 * {@code {"kind": "eval", "student": {"top1": …}}}, {@code {"eval": {"teacher": {"top1": …}}}},
 * {@code {"student_top1": …}} or {@code {"model": "student", "top1": …}} (all read as test accuracy).
 * A "best" line (the best-by-validation point, written once) is not a point of the series.
 */
public final class MetricsSeries {
    /** Points (x = step, y = value) in log order; non-numeric values are left out. */
    public record Series(double[] x, double[] y) {
        public boolean isEmpty() {
            return x.length == 0;
        }

        public int size() {
            return x.length;
        }
    }

    private final List<ObjectNode> steps;
    private final List<ObjectNode> evals;

    private MetricsSeries(List<ObjectNode> steps, List<ObjectNode> evals) {
        this.steps = steps;
        this.evals = evals;
    }

    /** Reads the step log and the evaluation log; a missing file gives no records. */
    public static MetricsSeries read(Path metricsFile, Path evalFile) throws IOException {
        List<ObjectNode> all = new ArrayList<>();
        if (Files.exists(metricsFile)) all.addAll(MetricsLog.read(metricsFile).records());
        if (Files.exists(evalFile)) all.addAll(MetricsLog.read(evalFile).records());
        return of(all);
    }

    public static MetricsSeries of(List<ObjectNode> records) {
        List<ObjectNode> steps = new ArrayList<>(), evals = new ArrayList<>();
        for (ObjectNode r : records) {
            if ("best".equals(r.path("type").asText(null))) continue;
            if (isEval(r)) evals.add(r);
            else if (r.has("loss")) steps.add(r);
        }
        return new MetricsSeries(List.copyOf(steps), List.copyOf(evals));
    }

    private static boolean isEval(ObjectNode r) {
        if ("eval".equals(r.path("kind").asText(null)) || "eval".equals(r.path("type").asText(null))) return true;
        if (r.has("loss")) return false;
        return top1Of(r, "student") != null || top1Of(r, "teacher") != null;
    }

    public int stepRecords() {
        return steps.size();
    }

    public int evalRecords() {
        return evals.size();
    }

    /** The highest step of a step record, or −1. */
    public long lastStep() {
        long last = -1;
        for (ObjectNode r : steps) last = Math.max(last, r.get("step").asLong());
        return last;
    }

    /** Whether any step record has {@code field}. */
    public boolean has(String field) {
        for (ObjectNode r : steps) if (r.has(field)) return true;
        return false;
    }

    /** The numeric values of {@code field} over the step records. */
    public Series series(String field) {
        List<double[]> points = new ArrayList<>();
        for (ObjectNode r : steps) {
            JsonNode v = r.get(field);
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) points.add(new double[] {r.get("step").asDouble(), v.asDouble()});
        }
        return toSeries(points);
    }

    /** The values of {@code field} at the steps whose boolean {@code flag} is true (e.g. LyapEMA violations). */
    public Series seriesWhere(String field, String flag) {
        List<double[]> points = new ArrayList<>();
        for (ObjectNode r : steps) {
            JsonNode v = r.get(field);
            if (r.path(flag).asBoolean(false) && v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                points.add(new double[] {r.get("step").asDouble(), v.asDouble()});
            }
        }
        return toSeries(points);
    }

    /** Steps whose boolean {@code flag} is true. */
    public int count(String flag) {
        int n = 0;
        for (ObjectNode r : steps) if (r.path(flag).asBoolean(false)) n++;
        return n;
    }

    /** Test top-1 of {@code model} ("student" or "teacher") over the evaluation records. */
    public Series evalTop1(String model) {
        return evalTop1(model, "test");
    }

    /** Top-1 of {@code model} on {@code split} ("test" or "validation") over the evaluation records. */
    public Series evalTop1(String model, String split) {
        List<double[]> points = new ArrayList<>();
        for (ObjectNode r : evals) {
            Double top1;
            if (r.has("test") || r.has("validation")) {
                JsonNode v = r.path(split).path(model).path("top1");
                top1 = v.isNumber() ? v.asDouble() : null;
            } else {
                top1 = split.equals("test") ? top1Of(r, model) : null;
            }
            if (top1 != null && Double.isFinite(top1)) points.add(new double[] {r.get("step").asDouble(), top1});
        }
        return toSeries(points);
    }

    /** The top-1 of {@code model} in an evaluation record, in any of the layouts of the class comment, or null. */
    static Double top1Of(JsonNode r, String model) {
        JsonNode flat = r.get(model + "_top1");
        if (flat != null && flat.isNumber()) return flat.asDouble();
        if (model.equals(r.path("model").asText(null)) && r.path("top1").isNumber()) return r.get("top1").asDouble();
        JsonNode nested = r.get(model);
        if (nested != null && nested.path("top1").isNumber()) return nested.get("top1").asDouble();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            JsonNode child = it.next().getValue();
            if (child.isObject() && child.has(model) && child.get(model).path("top1").isNumber()) return child.get(model).get("top1").asDouble();
        }
        return null;
    }

    private static Series toSeries(List<double[]> points) {
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new Series(x, y);
    }
}
