package org.semivim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.semivim.training.loop.TrainingRun;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Fashion-MNIST-LT table (docs/results.md) from the run directories of {@code bench fmnist-lt}:
 * one row per finished run, read from its result.json (final and best-by-validation evaluations of
 * the primary model on the test set, LyapEMA state or SSMAE's memory and gate) and its metrics.jsonl
 * (mean α over the last 10% of the steps). {@link #parseTable} reads a written table back.
 */
final class FmnistLtResults {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Column headers of the table, in order. */
    static final List<String> COLUMNS = List.of("method", "model", "steps", "primary", "top-1", "balanced acc", "many", "medium", "few",
            "collapse", "student top-1", "best step", "best val top-1", "best test top-1", "violation rate", "s", "λ", "α (last 10%)",
            "memory size", "memory acc", "gate", "minutes");

    /** One finished run: {@code cells} keyed by {@link #COLUMNS}. */
    record Row(String protocol, Map<String, String> cells) {}

    /** A skipped run (the trainer refused the method) and why. */
    record Skipped(String protocol, String method, String reason) {}

    private FmnistLtResults() {}

    /** The row of the finished run in {@code dir}. */
    static Row row(String protocol, String model, Path dir) throws IOException {
        JsonNode result = JSON.readTree(dir.resolve(TrainingRun.RESULT).toFile());
        String primary = result.get("primary").asText();
        JsonNode finalTest = result.get("final").get("test").get(primary);
        JsonNode best = result.get("best");
        Map<String, String> c = new LinkedHashMap<>();
        c.put("method", result.get("method").asText());
        c.put("model", model);
        c.put("steps", result.get("steps").asText());
        c.put("primary", primary);
        c.put("top-1", percent(finalTest.get("top1")));
        c.put("balanced acc", percent(finalTest.get("balancedAccuracy")));
        c.put("many", percent(finalTest.get("byRank").get("many")));
        c.put("medium", percent(finalTest.get("byRank").get("medium")));
        c.put("few", percent(finalTest.get("byRank").get("few")));
        c.put("collapse", finalTest.get("collapsed").asBoolean() ? "×" : "no");
        c.put("student top-1", percent(result.get("final").get("test").get("student").get("top1")));
        c.put("best step", best.get("step").asText());
        c.put("best val top-1", percent(best.get("validation").get("top1")));
        c.put("best test top-1", percent(best.get("test").get("top1")));
        JsonNode state = result.get("method_state");
        if (state.has("violations")) {
            long steps = state.get("steps").asLong();
            c.put("violation rate", steps == 0 ? "–" : String.format(Locale.ROOT, "%.3f", state.get("violations").asDouble() / steps));
            c.put("s", String.format(Locale.ROOT, "%.4g", state.get("s").asDouble()));
            c.put("λ", String.format(Locale.ROOT, "%.3g", state.get("lam").asDouble()));
            c.put("α (last 10%)", String.format(Locale.ROOT, "%.4f", meanAlphaOfLastTenth(dir.resolve(TrainingRun.METRICS))));
        } else {
            for (String k : List.of("violation rate", "s", "λ", "α (last 10%)")) c.put(k, "–");
        }
        if (state.has("memory_size")) {
            c.put("memory size", state.get("memory_size").asText());
            c.put("memory acc", percent(state.get("memory_accuracy")));
            c.put("gate", gate(state.get("gate")));
        } else {
            for (String k : List.of("memory size", "memory acc", "gate")) c.put(k, "–");
        }
        c.put("minutes", String.format(Locale.ROOT, "%.1f", result.get("seconds_since_resume").asDouble() / 60));
        return new Row(protocol, c);
    }

    /** SSMAE's last gate: "on" / "off" with its epoch and the validation high-confidence accuracy and count, or "not evaluated (epoch e < W)". */
    static String gate(JsonNode gate) {
        if (gate == null || gate.isNull()) return "–";
        long epoch = gate.get("epoch").asLong();
        if (!gate.get("evaluated").asBoolean()) return "not evaluated (epoch " + epoch + " < W)";
        return String.format(Locale.ROOT, "%s (epoch %d: hc %.1f%% of %d)", gate.get("enabled").asBoolean() ? "on" : "off", epoch,
                gate.get("hc_acc").asDouble(), gate.get("hc_count").asLong());
    }

    /** Mean of the step records' "alpha" over the last ⌈10%⌉ of the steps (NaN when none has one). */
    static double meanAlphaOfLastTenth(Path metrics) throws IOException {
        List<ObjectNode> records = MetricsLog.read(metrics).records();
        int from = records.size() - Math.max(1, (records.size() + 9) / 10);
        double sum = 0;
        int n = 0;
        for (ObjectNode r : records.subList(Math.max(0, from), records.size())) {
            JsonNode a = r.get("alpha");
            if (a != null && a.isNumber()) {
                sum += a.asDouble();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static String percent(JsonNode value) {
        if (value == null || !value.isNumber()) return "–";   // NaN is written as a string: a group without classes
        return String.format(Locale.ROOT, "%.2f", 100 * value.asDouble());
    }

    /** docs/results.md: the command, the setup, then one table per protocol, and the skipped runs. */
    static String markdown(String command, String setup, List<String> protocols, List<Row> rows, List<Skipped> skipped) {
        StringBuilder md = new StringBuilder();
        md.append("# Results: Fashion-MNIST-LT\n\n");
        md.append("Produced by\n\n```\n").append(command).append("\n```\n\n");
        md.append(setup).append("\n\n");
        md.append("Numbers are percentages on the balanced test set (10 000 images) of the PRIMARY model at the end of the run ")
                .append("(the teacher for methods with one, ssl-spec.md §1.4, R-L11; the student for supervised and SSMAE). Many / medium / few: ")
                .append("mean recall of the 3 / 4 / 3 classes by labeled-count rank. Collapse: × when top-1 < 20% or one class gets ")
                .append("more than 90% of the predictions. Best: the evaluation with the highest VALIDATION top-1 of the primary model ")
                .append("(never selected on the test set) and its test top-1. LyapEMA rows: the fraction of committed steps on which the ")
                .append("Lyapunov check fired, the final s and λ, and the mean α over the last 10% of the steps. SSMAE rows (no teacher: ")
                .append("the primary model is its classifier, the ViT encoder + head): the size of the permanent pseudo-label memory at ")
                .append("the end, the fraction of it whose label is the hidden true label, and the last epoch's gate (on/off, decided ")
                .append("at the epoch's start from the validation high-confidence accuracy hc and count; not evaluated before epoch W).\n");
        for (String protocol : protocols) {
            md.append("\n## Protocol ").append(protocol).append("\n\n");
            md.append('|');
            for (String col : COLUMNS) md.append(' ').append(col).append(" |");
            md.append("\n|");
            for (int i = 0; i < COLUMNS.size(); i++) md.append("---|");
            md.append('\n');
            for (Row r : rows) {
                if (!r.protocol().equals(protocol)) continue;
                md.append('|');
                for (String col : COLUMNS) md.append(' ').append(r.cells().get(col)).append(" |");
                md.append('\n');
            }
            for (Skipped s : skipped) {
                if (s.protocol().equals(protocol)) md.append("\nNot run: `").append(s.method()).append("`: ").append(s.reason()).append('\n');
            }
        }
        return md.toString();
    }

    /** The rows of every table in a results file, as protocol → list of (column → cell). */
    static Map<String, List<Map<String, String>>> parseTable(String markdown) {
        Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
        String protocol = null;
        List<String> header = null;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## Protocol ")) {
                protocol = line.substring("## Protocol ".length()).trim();
                out.put(protocol, new ArrayList<>());
                header = null;
            } else if (protocol != null && line.startsWith("|") && !line.startsWith("|---")) {
                List<String> cells = new ArrayList<>();
                for (String cell : line.substring(1, line.length() - 1).split("\\|", -1)) cells.add(cell.trim());
                if (header == null) header = cells;
                else {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 0; i < header.size(); i++) row.put(header.get(i), cells.get(i));
                    out.get(protocol).add(row);
                }
            }
        }
        return out;
    }

    static void write(Path file, String markdown) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, markdown);
    }
}
