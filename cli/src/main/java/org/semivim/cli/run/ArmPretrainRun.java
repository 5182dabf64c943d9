package org.semivim.cli.run;

import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.progress.Progress;
import org.semivim.training.arm.ArmPretrainer;
import org.semivim.training.arm.ArmStepRecord;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An ARM pre-training run (training module's {@code ArmPretrainer}, docs/training-loop.md) in its own
 * directory, resumable like a training run:
 * <pre>
 * run-dir/
 *   config.conf          the HOCON it started with (file and overrides merged)
 *   pretrain.json        the canonical ArmPretrainConfig; marks the directory as a pre-training run
 *   metrics.jsonl        one line per step (stage, loss, lr, grad_norm, skipped)
 *   checkpoints/         step-NNNNNNNNN/
 *   encoder.safetensors  the encoder (ViM names), written at the end: the input of the transfer
 * </pre>
 */
public final class ArmPretrainRun {
    public static final String CONFIG_JSON = "pretrain.json", ENCODER = "encoder.safetensors";

    private ArmPretrainRun() {}

    /** Whether {@code dir} holds a pre-training run. */
    public static boolean isPretrainRun(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_JSON));
    }

    /** Writes config.conf and pretrain.json of a new run (refuses a directory that holds a run). */
    public static void create(Path dir, Config resolved, ArmPretrainConfig config) throws IOException {
        RunDirectory.requireNew(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunDirectory.CONFIG_CONF), "# semivim ARM pre-training config, resolved.\n" + HoconTrainConfig.render(resolved));
        Files.writeString(dir.resolve(CONFIG_JSON), RunDirectory.prettyJson(config.canonicalMap()));
    }

    /** The config of an existing run; a config.conf edited since the run started is refused, naming the changed keys. */
    public static ArmPretrainConfig open(Path dir) throws IOException {
        ArmPretrainConfig recorded;
        try {
            recorded = ArmPretrainConfig.fromJson(Files.readString(dir.resolve(CONFIG_JSON)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(CONFIG_JSON) + " is not a valid ARM pre-training config: " + e.getMessage(), e);
        }
        Path conf = dir.resolve(RunDirectory.CONFIG_CONF);
        if (Files.isRegularFile(conf)) {
            ArmPretrainConfig edited = HoconTrainConfig.validate(HoconTrainConfig.resolve(conf, List.of()), ArmPretrainConfig::fromMap);
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
    public static boolean run(Path dir, ArmPretrainConfig config, TrainingData data, long checkpointEvery, Progress.Mode mode,
                              StopRequest stop, PrintStream out) throws IOException {
        if (checkpointEvery < 1) throw new IllegalArgumentException("--checkpoint-every must be at least 1, got " + checkpointEvery);
        ArmPretrainer trainer = new ArmPretrainer(config, data);
        CheckpointStore store = new CheckpointStore(dir);
        Optional<LoadResult> resumed = trainer.resume(store);
        long start = trainer.nextStep();
        resumed.ifPresent(r -> out.println("resuming from the checkpoint of step " + start + " (" + r.checkpoint().directory() + ")"));
        long last = resumed.isPresent() ? start : -1;
        try (MetricsLog log = MetricsLog.resume(dir.resolve(RunDirectory.METRICS), start - 1);
             Progress progress = Progress.open(mode, "pretrain arm", start, config.steps(), "steps", config.batch(), out)) {
            trainer.addListener(r -> {
                append(log, r);
                progress.update(r.step() + 1, String.format(Locale.ROOT, "loss %.4f lr %.2e", r.loss(), r.lr()) + (r.skipped() ? " SKIPPED" : ""));
            });
            while (trainer.nextStep() < config.steps() && !stop.requested()) {
                trainer.runStep();
                if (trainer.nextStep() % checkpointEvery == 0 && trainer.nextStep() < config.steps()) {
                    log.sync();
                    trainer.save(store);
                    last = trainer.nextStep();
                }
            }
            if (trainer.nextStep() != last) {
                log.sync();
                trainer.save(store);
            }
        }
        if (stop.requested() && trainer.nextStep() < config.steps()) return false;
        trainer.writeEncoder(dir.resolve(ENCODER));
        return true;
    }

    private static void append(MetricsLog log, ArmStepRecord r) {
        try {
            log.append(r.step(), r.fields());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append step " + r.step() + " to " + log.file(), e);
        }
    }
}
