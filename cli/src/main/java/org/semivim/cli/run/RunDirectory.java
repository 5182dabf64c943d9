package org.semivim.cli.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.TrainConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One training run on disk (docs/cli.md):
 * <pre>
 * run-dir/
 *   config.conf     the HOCON the run was started with (file and overrides merged, resolved)
 *   config.json     the canonical TrainConfig (every default spelled out); what resume trusts
 *   metrics.jsonl   one JSON line per step (and the evaluation records)
 *   checkpoints/    step-NNNNNNNNN/ (CheckpointStore)
 *   report/         index.html, *.png, eval-student.json, eval-teacher.json
 * </pre>
 */
public final class RunDirectory {
    public static final String CONFIG_CONF = "config.conf", CONFIG_JSON = "config.json", METRICS = "metrics.jsonl", REPORT = "report";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final TrainConfig config;

    private RunDirectory(Path dir, TrainConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /** Starts a new run in {@code dir}; refuses a directory that already holds a run (use resume). */
    public static RunDirectory create(Path dir, HoconTrainConfig.Loaded loaded) throws IOException {
        requireNew(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(CONFIG_CONF), "# semivim run config: the file and overrides it was started with, resolved.\n"
                + "# config.json holds the same config with every default; resume checks that the two agree.\n" + loaded.renderedHocon());
        Files.writeString(dir.resolve(CONFIG_JSON), prettyJson(loaded.config().canonicalMap()));
        return new RunDirectory(dir, loaded.config());
    }

    /**
     * A training run directory for {@code config} whose checkpoints and metrics another runner wrote
     * (the pipeline's ssl/ stage): writes config.json when absent, else checks it holds {@code config}.
     */
    public static RunDirectory adopt(Path dir, TrainConfig config) throws IOException {
        Path json = dir.resolve(CONFIG_JSON);
        if (Files.isRegularFile(json)) {
            RunDirectory existing = open(dir);
            requireSame(existing.config(), config, json + " holds another config");
            return existing;
        }
        Files.createDirectories(dir);
        Files.writeString(json, prettyJson(config.canonicalMap()));
        return new RunDirectory(dir, config);
    }

    /** Throws when {@code dir} already holds a run. */
    public static void requireNew(Path dir) {
        if (Files.exists(dir.resolve(CONFIG_JSON)) || Files.exists(dir.resolve(PretrainRun.CONFIG_JSON))
                || Files.exists(dir.resolve(PipelineRun.PIPELINE_JSON))) {
            throw new IllegalArgumentException("run directory " + dir + " already holds a run; continue it with 'semivim resume " + dir
                    + "' or choose another --run-dir");
        }
    }

    /**
     * An existing run: its config.json, checked against config.conf. A config.conf that was edited
     * since the run started (so it gives another config) is refused, naming the keys that differ.
     */
    public static RunDirectory open(Path dir) throws IOException {
        Path json = dir.resolve(CONFIG_JSON);
        rejectOtherKinds(dir);
        if (!Files.isRegularFile(json)) {
            throw new IllegalArgumentException(dir + " is not a semivim run directory (no " + CONFIG_JSON + "); start one with 'semivim train'");
        }
        TrainConfig recorded;
        try {
            recorded = TrainConfig.fromJson(Files.readString(json));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(json + " is not a valid training config: " + e.getMessage(), e);
        }
        Path conf = dir.resolve(CONFIG_CONF);
        if (Files.isRegularFile(conf)) {
            TrainConfig edited = HoconTrainConfig.load(conf, List.of()).config();
            requireSame(recorded, edited, conf + " was changed after the run started");
        }
        return new RunDirectory(dir, recorded);
    }

    /** Throws, saying what it is and what applies to it, when {@code dir} holds a pipeline or a pre-training run. */
    public static void rejectOtherKinds(Path dir) {
        if (PipelineRun.isPipelineRun(dir)) {
            throw new IllegalArgumentException(dir + " is a pipeline run (" + PipelineRun.PIPELINE_JSON + "): 'semivim resume' continues it; "
                    + "eval and report work on its SSL stage, " + dir.resolve("ssl"));
        }
        if (PretrainRun.isPretrainRun(dir)) {
            throw new IllegalArgumentException(dir + " is a pre-training run (" + PretrainRun.CONFIG_JSON + "): only 'semivim resume' applies to it; "
                    + "its result is " + dir.resolve(PretrainRun.ENCODER));
        }
    }

    /** Throws unless {@code changed} equals {@code recorded}, naming every key that differs. */
    public static void requireSame(TrainConfig recorded, TrainConfig changed, String why) {
        requireSame(recorded.canonicalMap(), changed.canonicalMap(), why);
    }

    /** Throws unless the two canonical config maps are equal, naming every key that differs. */
    static void requireSame(Map<String, Object> recorded, Map<String, Object> changed, String why) {
        List<String> diffs = differences(recorded, changed);
        if (diffs.isEmpty()) return;
        throw new IllegalArgumentException(why + ": " + String.join(", ", diffs)
                + ". A run continues only with the config it started with (its checkpoints belong to it); start a new run for a new config");
    }

    /** "path: old -> new" for each leaf that differs between two canonical config maps. */
    static List<String> differences(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> fa = new LinkedHashMap<>(), fb = new LinkedHashMap<>();
        flatten("", a, fa);
        flatten("", b, fb);
        TreeSet<String> keys = new TreeSet<>(fa.keySet());
        keys.addAll(fb.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!Objects.equals(fa.get(k), fb.get(k))) out.add(k + ": " + show(fa.get(k)) + " -> " + show(fb.get(k)));
        }
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String path = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> sub) flatten(path + ".", sub, out);
            else out.put(path, e.getValue() instanceof Number n ? (Object) n.doubleValue() : e.getValue());
        }
    }

    private static String show(Object v) {
        if (v == null) return "(absent)";
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        return String.valueOf(v);
    }

    static String prettyJson(Object value) {
        try {
            return JSON.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public TrainConfig config() {
        return config;
    }

    public Path metricsFile() {
        return dir.resolve(METRICS);
    }

    public Path reportDir() {
        return dir.resolve(REPORT);
    }

    public CheckpointStore checkpoints() {
        return new CheckpointStore(dir);
    }
}
