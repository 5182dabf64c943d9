package org.semivim.cli.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.progress.Progress;
import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pre-training run (ARM or MAE, {@link PretrainJob}) in its own directory, resumable like a training run:
 * <pre>
 * run-dir/
 *   config.conf          the HOCON it started with (file and overrides merged)
 *   pretrain.json        {"kind": "arm" | "mae", "config": the canonical config}; marks a pre-training run
 *   metrics.jsonl        one line per step
 *   checkpoints/         step-NNNNNNNNN/
 *   encoder.safetensors  the encoder, written at the end (ARM: the transfer's input; MAE: a ViT's init_from)
 * </pre>
 */
public final class PretrainRun {
    public static final String CONFIG_JSON = "pretrain.json", ENCODER = "encoder.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PretrainRun() {}

    /** Whether {@code dir} holds a pre-training run. */
    public static boolean isPretrainRun(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_JSON));
    }

    /** Writes config.conf and pretrain.json of a new run (refuses a directory that holds a run). */
    public static void create(Path dir, Config resolved, PretrainJob.Config config) throws IOException {
        RunDirectory.requireNew(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunDirectory.CONFIG_CONF),
                "# semivim " + config.kind() + " pre-training config, resolved.\n" + HoconTrainConfig.render(resolved));
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("kind", config.kind().name());
        file.put("config", config.canonicalMap());
        Files.writeString(dir.resolve(CONFIG_JSON), RunDirectory.prettyJson(file));
    }

    /** The config of an existing run; a config.conf edited since the run started is refused, naming the changed keys. */
    public static PretrainJob.Config open(Path dir) throws IOException {
        Path json = dir.resolve(CONFIG_JSON);
        PretrainJob.Config recorded;
        PretrainJob.Kind kind;
        try {
            Map<String, Object> file = JSON.readValue(Files.readString(json), new TypeReference<LinkedHashMap<String, Object>>() {});
            kind = PretrainJob.Kind.valueOf(String.valueOf(file.get("kind")));
            @SuppressWarnings("unchecked") Map<String, Object> config = (Map<String, Object>) file.get("config");
            if (config == null) throw new IllegalArgumentException("it has no \"config\"");
            recorded = kind.read(config);
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException(json + " is not a valid pre-training run file: " + e.getMessage(), e);
        }
        Path conf = dir.resolve(RunDirectory.CONFIG_CONF);
        if (Files.isRegularFile(conf)) {
            PretrainJob.Config edited = HoconTrainConfig.validate(HoconTrainConfig.resolve(conf, List.of()), kind::read);
            RunDirectory.requireSame(recorded.canonicalMap(), edited.canonicalMap(), conf + " was changed after the run started");
        }
        return recorded;
    }

    /**
     * Runs the remaining steps (resuming from the newest good checkpoint), checkpointing every
     * {@code checkpointEvery} steps, at the end and on a stop request; writes the encoder at the end.
     *
     * @return true when the run is complete, false when a stop request ended it early
     */
    public static boolean run(Path dir, PretrainJob.Config config, TrainingData data, long checkpointEvery, Progress.Mode mode,
                              StopRequest stop, PrintStream out) throws IOException {
        return run(dir, config, data, checkpointEvery, mode, stop, out, Ops.cpu());
    }

    /** As above, the pre-trainer's models on {@code ops} ({@code --device}). */
    public static boolean run(Path dir, PretrainJob.Config config, TrainingData data, long checkpointEvery, Progress.Mode mode,
                              StopRequest stop, PrintStream out, Ops ops) throws IOException {
        if (checkpointEvery < 1) throw new IllegalArgumentException("--checkpoint-every must be at least 1, got " + checkpointEvery);
        PretrainJob job = config.open(data, ops);
        CheckpointStore store = new CheckpointStore(dir);
        Optional<LoadResult> resumed = job.resume(store);
        long start = job.nextStep();
        resumed.ifPresent(r -> out.println("resuming from the checkpoint of step " + start + " (" + r.checkpoint().directory() + ")"));
        long last = resumed.isPresent() ? start : -1;
        try (MetricsLog log = MetricsLog.resume(dir.resolve(RunDirectory.METRICS), start - 1);
             Progress progress = Progress.open(mode, "pretrain " + config.kind(), start, config.steps(), "steps", config.batch(), out)) {
            while (job.nextStep() < config.steps() && !stop.requested()) {
                PretrainJob.Step step = job.runStep();
                log.append(step.step(), step.fields());
                progress.update(step.step() + 1, step.status());
                if (job.nextStep() % checkpointEvery == 0 && job.nextStep() < config.steps()) {
                    log.sync();
                    job.save(store);
                    last = job.nextStep();
                }
            }
            if (job.nextStep() != last) {
                log.sync();
                job.save(store);
            }
        }
        if (job.nextStep() < config.steps()) return false;
        job.writeEncoder(dir.resolve(ENCODER));
        return true;
    }
}
