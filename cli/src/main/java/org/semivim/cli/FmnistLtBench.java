package org.semivim.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.ops.Parallel;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.loop.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The Fashion-MNIST-LT experiment (issue 4; docs/benchmarks.md "The Fashion-MNIST-LT table"): every
 * protocol × method with a fixed step budget, each run in its own resumable run directory
 * ({@link TrainingRun}: config, metrics JSONL, eval JSONL, best and final checkpoints), a progress
 * line per run, then docs/results.md. Every method runs (SSMAE through its own trainer, on the ViT of
 * {@code --ssmae-model}); a method a trainer refuses would be skipped with a line saying so.
 */
@Command(name = "fmnist-lt", mixinStandardHelpOptions = true, description = "Run the Fashion-MNIST-LT table (protocols x methods, fixed step budget) and write docs/results.md.")
final class FmnistLtBench implements Callable<Integer> {
    /** The step budget of the default run: see docs/benchmarks.md for the arithmetic. */
    static final long DEFAULT_STEPS = 400;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--methods", split = ",", defaultValue = "supervised,fixmatch,ema_teacher,lyapema,lyapema_probmixup,lyapema_ssmixup,ssmae",
            description = "methods, in order (default ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--protocols", split = ";", defaultValue = "A1",
            description = "protocols separated by ';': names (A1, B-1pct, B-10pct, …) or JSON protocol objects (default ${DEFAULT-VALUE})")
    List<String> protocols;

    @Option(names = "--steps", defaultValue = "" + DEFAULT_STEPS, description = "optimizer steps per run (default ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--evals", defaultValue = "3", description = "evaluations per run: eval_every = steps / evals (default ${DEFAULT-VALUE})")
    int evals;

    @Option(names = "--model", defaultValue = "vim-fmnist-small", description = "ViM preset or model file (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--ssmae-model", defaultValue = "vit-fmnist-small", description = "ViT preset or model file for ssmae (default ${DEFAULT-VALUE})")
    String ssmaeModel;

    @Option(names = "--data", defaultValue = "{}",
            description = "JSON object: the data group without the protocol (default: Fashion-MNIST from its default directory)")
    String data;

    @Option(names = "--set", defaultValue = "{}", description = "JSON object of further config keys for every run (e.g. {\"b_l\": 32})")
    String overrides;

    @Option(names = "--ema-horizon", defaultValue = "0.1",
            description = "FixMatch / EMA-Teacher: ema_m = max(0, min(default, 1 - 1/(h*steps))), an EMA horizon of h of the run; 0 keeps the defaults "
                    + "(0.999, 0.9999), which leave the teacher near its initialisation in a short run (default ${DEFAULT-VALUE})")
    double emaHorizon;

    @Option(names = "--ssmae-gate-start", defaultValue = "1",
            description = "SSMAE: the epoch W from which the gate is decided on the validation split; -1 keeps the default 10, which a short "
                    + "run never reaches (SSMAE has about 232 steps per epoch on A1), so that its memory would stay empty (default ${DEFAULT-VALUE})")
    long ssmaeGateStart;

    @Option(names = "--seed", defaultValue = "0", description = "run seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--runs-dir", defaultValue = "runs/fmnist-lt", description = "run directories go here (default ${DEFAULT-VALUE})")
    Path runsDir;

    @Option(names = "--results", defaultValue = "docs/results.md", description = "results file to write (default ${DEFAULT-VALUE})")
    Path results;

    @Option(names = "--eval-batch", defaultValue = "16", description = "images per evaluation forward pass (default ${DEFAULT-VALUE})")
    int evalBatch;

    @Option(names = "--progress-every", defaultValue = "50", description = "a progress line every this many steps; 0 for none (default ${DEFAULT-VALUE})")
    long progressEvery;

    @Option(names = "--measure", defaultValue = "0",
            description = "instead of running the table: time this many steps of every method and print the step budget for --hours")
    int measure;

    @Option(names = "--hours", defaultValue = "2", description = "time target of --measure (default ${DEFAULT-VALUE})")
    double hours;

    @Override
    public Integer call() throws IOException {
        if (steps < 1 || evals < 1 || evalBatch < 1 || progressEvery < 0) {
            throw new IllegalArgumentException("--steps, --evals and --eval-batch must be >= 1, --progress-every >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> dataGroup = jsonObject("--data", data);
        Map<String, Object> extra = jsonObject("--set", overrides);
        if (measure > 0) return measureBudget(out, dataGroup, extra);
        String command = "./semivim " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        List<String> protocolNames = new ArrayList<>();
        List<FmnistLtResults.Row> rows = new ArrayList<>();
        List<FmnistLtResults.Skipped> skipped = new ArrayList<>();
        int total = protocols.size() * methods.size(), index = 0;
        long evalEvery = Math.max(1, steps / evals);
        for (String protocolText : protocols) {
            Object protocol = protocolText.trim().startsWith("{") ? jsonObject("--protocols", protocolText) : protocolText.trim();
            String protocolName = protocol instanceof Map<?, ?> m ? String.valueOf(m.get("name")) : (String) protocol;
            protocolNames.add(protocolName);
            TrainingData loaded = null;
            for (String method : methods) {
                index++;
                String modelName = method.equals("ssmae") ? ssmaeModel : model;
                TrainConfig config = config(method, modelName, dataGroup, protocol, evalEvery, extra);
                Path dir = runsDir.resolve(protocolName).resolve(method);
                String label = String.format(Locale.ROOT, "[%d/%d] %s %s (%s, %d steps)", index, total, protocolName, method, modelName, steps);
                if (!TrainingRun.finished(dir) && loaded == null) loaded = TrainingData.load(config.data());
                long started = System.nanoTime();
                if (!TrainingRun.finished(dir)) {
                    out.printf("%s: starting in %s (from its newest checkpoint, if any)%n", label, dir);
                    out.flush();
                }
                TrainingRun.Outcome outcome;
                try {
                    outcome = TrainingRun.run(dir, config, loaded, options(), progress(out, label, started));
                } catch (UnsupportedOperationException refused) {
                    out.printf("%s: skipped: %s%n", label, refused.getMessage());
                    out.flush();
                    skipped.add(new FmnistLtResults.Skipped(protocolName, method, refused.getMessage()));
                    continue;
                }
                FmnistLtResults.Row row = FmnistLtResults.row(protocolName, modelName, dir);
                rows.add(row);
                String how = switch (outcome.status()) {
                    case FINISHED_BEFORE -> "finished before, skipped";
                    case RESUMED -> "resumed at step " + outcome.startStep();
                    case STARTED -> "ran";
                };
                out.printf(Locale.ROOT, "%s: %s in %.1f min: %s top-1 %s%%, balanced %s%%, many/medium/few %s/%s/%s, collapse %s%s; %s%n", label, how,
                        (System.nanoTime() - started) / 6e10, row.cells().get("primary"), row.cells().get("top-1"), row.cells().get("balanced acc"),
                        row.cells().get("many"), row.cells().get("medium"), row.cells().get("few"), row.cells().get("collapse"),
                        methodSummary(row), dir);
                out.flush();
                FmnistLtResults.write(results, FmnistLtResults.markdown(command, setup(evalEvery), protocolNames, rows, skipped));
            }
        }
        FmnistLtResults.write(results, FmnistLtResults.markdown(command, setup(evalEvery), protocolNames, rows, skipped));
        out.printf("wrote %s (%d runs, %d skipped)%n", results, rows.size(), skipped.size());
        return 0;
    }

    /** {@code --measure K}: K timed steps per method (first protocol), eval forward time, and the budget N for {@code --hours}. */
    private int measureBudget(PrintWriter out, Map<String, Object> dataGroup, Map<String, Object> extra) throws IOException {
        String protocol = protocols.get(0).trim();
        Object p = protocol.startsWith("{") ? jsonObject("--protocols", protocol) : protocol;
        long evalEvery = Math.max(1, steps / evals);
        TrainingData loaded = TrainingData.load(config(methods.get(0), model, dataGroup, p, evalEvery, extra).data());
        List<TrainConfig> configs = new ArrayList<>();
        for (String method : methods) configs.add(config(method, method.equals("ssmae") ? ssmaeModel : model, dataGroup, p, evalEvery, extra));
        double[] stepSeconds = FmnistLtBudget.secondsPerStep(configs, loaded, measure, out), evalSeconds = new double[methods.size()];
        for (int i = 0; i < methods.size(); i++) {
            if (Double.isNaN(stepSeconds[i])) continue;
            TrainConfig config = configs.get(i);
            double perImage = FmnistLtBudget.secondsPerEvalImage(config, loaded, 1000, evalBatch);
            long images = FmnistLtBudget.evalImages(config, loaded, evals);
            evalSeconds[i] = images * perImage;
            out.printf(Locale.ROOT, "%s (%s): %.3f s/step (median of %d, mask full; %.2f x %s), eval %.2f ms/image x %d images = %.0f s%n",
                    methods.get(i), methods.get(i).equals("ssmae") ? ssmaeModel : model, stepSeconds[i], measure,
                    stepSeconds[i] / stepSeconds[0], methods.get(0), perImage * 1e3, images, evalSeconds[i]);
            out.flush();
        }
        FmnistLtBudget.stepsFor(hours * 3600, stepSeconds, evalSeconds, out);
        return 0;
    }

    /** The method-specific part of a run's summary line: LyapEMA's violations, s and λ; SSMAE's memory and gate. */
    private static String methodSummary(FmnistLtResults.Row row) {
        Map<String, String> c = row.cells();
        if (!c.get("s").equals("–")) return ", violations " + c.get("violation rate") + ", s " + c.get("s") + ", λ " + c.get("λ");
        if (!c.get("memory size").equals("–")) {
            String acc = c.get("memory acc").equals("–") ? "" : " (" + c.get("memory acc") + "% right)";
            return ", memory " + c.get("memory size") + acc + ", gate " + c.get("gate");
        }
        return "";
    }

    private TrainConfig config(String method, String modelName, Map<String, Object> dataGroup, Object protocol, long evalEvery,
                               Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", modelName);
        Map<String, Object> d = new LinkedHashMap<>(dataGroup);
        d.put("protocol", protocol);
        m.put("data", d);
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("eval_every", evalEvery);
        m.putAll(extra);
        if (ssmaeGateStart >= 0 && method.equals("ssmae")) {
            Map<String, Object> group = new LinkedHashMap<>();
            if (extra.get("ssmae") instanceof Map<?, ?> given) given.forEach((k, v) -> group.put(String.valueOf(k), v));
            group.putIfAbsent("gate_start_epoch", ssmaeGateStart);
            m.put("ssmae", group);
        }
        if (emaHorizon > 0 && !extra.containsKey("ema_m") && (method.equals("fixmatch") || method.equals("ema_teacher"))) {
            double defaultM = TrainConfig.fromMap(m).emaM();
            m.put("ema_m", Math.max(0, Math.min(defaultM, 1 - 1 / (emaHorizon * steps))));
        }
        return TrainConfig.fromMap(m);
    }

    private TrainingRun.Options options() {
        // a checkpoint after every evaluation: an interrupted run loses at most one evaluation interval
        return new TrainingRun.Options(Math.max(1, steps / evals), evalBatch, PeriodicEvaluator.TestSchedule.END_ONLY);
    }

    private String setup(long evalEvery) {
        return String.format(Locale.ROOT, "Setup: %d steps per run, seed %d, ViM model `%s` (ssmae: `%s`), evaluation every %d steps on the "
                        + "validation split (student and teacher) and at the end on the test set; extra config %s; %d engine threads. "
                        + "Method defaults are TrainConfig's (docs/training-loop.md): B_l 64, mu_ratio 2, lr 1e-3·B_l/256 with 5%% "
                        + "warm-up and cosine, weight decay 0.05; FixMatch's and EMA-Teacher's ema_m %s. SSMAE's defaults are the authors': B_l 16, "
                        + "B_u 32, constant lr 1e-4, confidence 0.95, gate 70%%, %s; MAE decoder 128 wide, 2 blocks, mask ratio 0.75. "
                        + "One seed per cell (ssl-spec.md §4.2 asks for 3).",
                steps, seed, model, ssmaeModel, evalEvery, overrides, Parallel.threads(),
                emaHorizon > 0 ? String.format(Locale.ROOT, "= min(default, 1 − 1/(%.2f·steps)) (an EMA horizon of %.0f%% of the run, "
                        + "--ema-horizon)", emaHorizon, 100 * emaHorizon) : "at their defaults 0.999 / 0.9999",
                ssmaeGateStart >= 0 ? "gate from epoch W = " + ssmaeGateStart + " (--ssmae-gate-start; the authors' W = 10 is out of reach of "
                        + "a short run)" : "gate from epoch W = 10");
    }

    private StepListener progress(PrintWriter out, String label, long started) {
        if (progressEvery == 0) return null;
        return r -> {
            if ((r.step() + 1) % progressEvery != 0) return;
            double seconds = (System.nanoTime() - started) / 1e9;
            out.printf(Locale.ROOT, "%s: step %d loss %.4f mask %.2f lr %.2e (%.0f s)%n", label, r.step() + 1, r.loss(), r.maskRate(), r.lr(), seconds);
            out.flush();
        };
    }

    private static Map<String, Object> jsonObject(String option, String text) {
        try {
            return JSON.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " must be a JSON object: " + e.getMessage());
        }
    }
}
