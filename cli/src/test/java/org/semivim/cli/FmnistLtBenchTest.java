package org.semivim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench fmnist-lt} end to end on generated data with tiny models and a few steps per method:
 * run directories, progress lines, results file parsed back against each run's result.json, a re-run
 * that skips every finished run; SSMAE runs on its ViT with its memory and gate columns; {@code --measure} times every method.
 */
class FmnistLtBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("supervised", "fixmatch", "ema_teacher", "lyapema", "lyapema_probmixup",
            "lyapema_ssmixup", "ssmae");

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        var cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private String[] args(Path vim, Path vit) {
        String data = "{\"source\": \"generated\", \"generated\": {\"classes\": 4, \"per_class\": 60, \"test_per_class\": 10, \"size\": 12, \"seed\": 3}}";
        String protocol = "{\"kind\": \"A\", \"name\": \"tiny-A\", \"validation_per_class\": 5, \"labeled_head\": 20, \"labeled_gamma\": 4,"
                + " \"unlabeled_head\": 30, \"unlabeled_gamma\": 4}";
        return new String[] {"bench", "fmnist-lt", "--steps", "3", "--evals", "1", "--methods", String.join(",", METHODS), "--model", vim.toString(),
                "--ssmae-model", vit.toString(), "--data", data, "--protocols", protocol, "--set", "{\"b_l\": 8, \"tau\": 0.27}",
                "--runs-dir", dir.resolve("runs").toString(), "--results", dir.resolve("results.md").toString(), "--eval-batch", "16",
                "--progress-every", "2", "--ssmae-gate-start", "0"};
    }

    @Test
    void runsEveryMethodWritesTheTableAndSkipsFinishedRunsOnARerun() throws IOException {
        Path vim = dir.resolve("vim.json"), vit = dir.resolve("vit.json");
        Files.writeString(vim, "{\"arch\": \"vim\", \"img_size\": 12, \"patch_size\": 4, \"in_chans\": 1, \"embed_dim\": 16, \"depth\": 2,"
                + " \"d_state\": 4, \"num_classes\": 4}");
        Files.writeString(vit, "{\"arch\": \"vit\", \"img_size\": 12, \"patch_size\": 4, \"in_chans\": 1, \"embed_dim\": 16, \"depth\": 1,"
                + " \"num_heads\": 2, \"num_classes\": 4}");
        Run first = run(args(vim, vit));
        assertEquals(0, first.code(), first.err() + first.out());

        String results = Files.readString(dir.resolve("results.md"));
        assertTrue(results.contains("./semivim bench fmnist-lt --steps 3"), "the command that produced it");
        Map<String, List<Map<String, String>>> tables = FmnistLtResults.parseTable(results);
        assertEquals(List.of("tiny-A"), List.copyOf(tables.keySet()));
        List<Map<String, String>> rows = tables.get("tiny-A");
        assertEquals(METHODS, rows.stream().map(r -> r.get("method")).toList(), "every method ran, ssmae included");
        assertFalse(results.contains("Not run:"), results);
        for (Map<String, String> row : rows) {
            String method = row.get("method");
            Path runDir = dir.resolve("runs").resolve("tiny-A").resolve(method);
            for (String file : List.of("config.json", "metrics.jsonl", "eval.jsonl", "best.safetensors", "result.json")) {
                assertTrue(Files.isRegularFile(runDir.resolve(file)), method + ": " + file);
            }
            assertTrue(Files.isDirectory(runDir.resolve("checkpoints").resolve("step-000000003")), method + ": final checkpoint");
            JsonNode config = JSON.readTree(runDir.resolve("config.json").toFile());
            double emaM = config.get("ema_m").asDouble();
            // --ema-horizon 0.1 of 3 steps: 1 − 1/0.3 < 0, so FixMatch's and EMA-Teacher's teachers follow the student (m = 0)
            assertEquals(method.equals("fixmatch") || method.equals("ema_teacher") ? 0.0 : 0.999, emaM, 0.0, method + " ema_m");
            JsonNode result = JSON.readTree(runDir.resolve("result.json").toFile());
            String primary = result.get("primary").asText();
            assertEquals(method.equals("supervised") || method.equals("ssmae") ? "student" : "teacher", primary, method);
            JsonNode test = result.get("final").get("test").get(primary);
            assertEquals(percent(test.get("top1").asDouble()), row.get("top-1"), method);
            assertEquals(percent(test.get("balancedAccuracy").asDouble()), row.get("balanced acc"), method);
            assertEquals(test.get("collapsed").asBoolean() ? "×" : "no", row.get("collapse"), method);
            assertEquals("3", row.get("steps"));
            assertEquals(percent(result.get("best").get("test").get("top1").asDouble()), row.get("best test top-1"), method);
            if (method.startsWith("lyapema")) {
                JsonNode state = result.get("method_state");
                assertEquals(String.format(Locale.ROOT, "%.3f", state.get("violations").asDouble() / state.get("steps").asDouble()),
                        row.get("violation rate"), method);
                assertEquals(state.get("s").asDouble(), Double.parseDouble(row.get("s")), 1e-3 * state.get("s").asDouble(), method);
                assertEquals(state.get("lam").asDouble(), Double.parseDouble(row.get("λ")), 1e-2 * state.get("lam").asDouble() + 1e-12, method);
                double alpha = Double.parseDouble(row.get("α (last 10%)"));
                assertTrue(alpha >= 0.5 && alpha <= 1, method + " α " + alpha);
            } else {
                assertEquals("–", row.get("violation rate"), method);
            }
            if (method.equals("ssmae")) {
                JsonNode state = result.get("method_state");
                assertEquals(state.get("memory_size").asText(), row.get("memory size"));
                assertEquals("0", row.get("memory size"), "confidence 0.95: an untrained model admits nothing");
                assertEquals("–", row.get("memory acc"), "an empty memory has no accuracy");
                // --ssmae-gate-start 0: the gate of epoch 0 was decided on the validation split, and stayed shut
                assertEquals(0, config.get("ssmae").get("gate_start_epoch").asLong());
                assertEquals(FmnistLtResults.gate(state.get("gate")), row.get("gate"));
                assertTrue(row.get("gate").startsWith("off (epoch 0: hc "), row.get("gate"));
                assertEquals(1, result.get("final").get("validation").size(), "SSMAE has no teacher: the student alone is evaluated");
                assertTrue(first.out().contains("tiny-A ssmae") && first.out().contains(", memory 0, gate off"), first.out());
                assertTrue(Files.isRegularFile(runDir.resolve("ssmae").resolve("ssmae-memory.cm")), "the memory file lives in the run directory");
            } else {
                assertEquals("–", row.get("memory size"), method);
                assertEquals("–", row.get("gate"), method);
            }
            assertTrue(first.out().contains("tiny-A " + method + " ") && first.out().contains(": ran in "), first.out());
        }
        assertTrue(first.out().contains("step 2 loss"), "progress lines: " + first.out());

        Run second = run(args(vim, vit));
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("finished before, skipped"), second.out());
        assertFalse(second.out().contains(": ran in "), "nothing trains again: " + second.out());
        assertEquals(tables, FmnistLtResults.parseTable(Files.readString(dir.resolve("results.md"))));
    }

    @Test
    void measureTimesEveryMethodSsmaeIncluded() throws IOException {
        Path vim = dir.resolve("vim.json"), vit = dir.resolve("vit.json");
        Files.writeString(vim, "{\"arch\": \"vim\", \"img_size\": 12, \"patch_size\": 4, \"in_chans\": 1, \"embed_dim\": 16, \"depth\": 1,"
                + " \"d_state\": 4, \"num_classes\": 4}");
        Files.writeString(vit, "{\"arch\": \"vit\", \"img_size\": 12, \"patch_size\": 4, \"in_chans\": 1, \"embed_dim\": 16, \"depth\": 1,"
                + " \"num_heads\": 2, \"num_classes\": 4}");
        List<String> a = new java.util.ArrayList<>(List.of(args(vim, vit)));
        int i = a.indexOf("--methods");
        a.set(i + 1, "supervised,ssmae");
        a.addAll(List.of("--measure", "1", "--hours", "1"));
        Run r = run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err() + r.out());
        assertFalse(r.out().contains("skipped"), r.out());
        assertTrue(r.out().contains("ssmae (" + vit + "): "), r.out());
        assertTrue(r.out().contains("budget: target 3600 s"), r.out());
        assertFalse(Files.exists(dir.resolve("runs")), "--measure trains no run");
    }

    @Test
    void ssmaeMeasuresItsMostExpensiveStep() {
        var config = org.semivim.training.config.TrainConfig.fromMap(Map.of("method", "ssmae", "model", "vit-fmnist-small", "steps", 10,
                "ssmae", Map.of("decoder_width", 64)));
        var full = FmnistLtBudget.admitEverything(config);
        assertEquals(0, full.ssmae().gate().startEpoch());
        assertEquals(0.0, full.ssmae().gate().confidenceThreshold());
        assertEquals(0.0, full.ssmae().gate().gateThresholdPct());
        assertEquals(64, full.ssmae().decoderWidth(), "the rest of the group is kept");
    }

    @Test
    void badOptionsAreOneLineErrors() {
        Run r = run("bench", "fmnist-lt", "--set", "[1]", "--runs-dir", dir.toString(), "--results", dir.resolve("r.md").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--set must be a JSON object"), r.err());
    }

    private static String percent(double x) {
        return String.format(Locale.ROOT, "%.2f", 100 * x);
    }
}
