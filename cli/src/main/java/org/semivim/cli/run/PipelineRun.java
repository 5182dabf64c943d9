package org.semivim.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.progress.Progress;
import org.semivim.engine.ops.Ops;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.config.PipelineConfig;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.pipeline.SemiVimPipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Semi-ViM pipeline (ARM pre-training → supervised fine-tune → SSL; the training module's
 * {@link SemiVimPipeline}) in a run directory: {@code config.conf} (the HOCON it started with) beside
 * the pipeline's own {@code pipeline.json}, {@code arm/}, {@code finetune/}, {@code ssl/}. The pipeline is
 * run in chunks that end on its checkpoints, so a stop request between chunks loses nothing. At the end
 * {@code ssl/} becomes a training run directory of its own ({@code ssl/config.json}): evaluated into
 * {@code ssl/report/}, and {@code eval}/{@code report} work on it.
 */
public final class PipelineRun {
    public static final String PIPELINE_JSON = "pipeline.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PipelineRun() {}

    public static boolean isPipelineRun(Path dir) {
        return Files.isRegularFile(dir.resolve(PIPELINE_JSON));
    }

    /** Writes config.conf of a new pipeline run (refuses a directory that holds a run); the pipeline writes pipeline.json. */
    public static void create(Path dir, Config resolved) throws IOException {
        RunDirectory.requireNew(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunDirectory.CONFIG_CONF), "# semivim pipeline config, resolved.\n" + HoconTrainConfig.render(resolved));
    }

    /** The config of an existing pipeline run; a config.conf edited since it started is refused, naming the changed keys. */
    public static PipelineConfig open(Path dir) throws IOException {
        Path file = dir.resolve(PIPELINE_JSON);
        PipelineConfig recorded;
        try {
            JsonNode node = JSON.readTree(file.toFile());
            @SuppressWarnings("unchecked") Map<String, Object> config = JSON.convertValue(node.get("config"), Map.class);
            if (config == null) throw new IllegalArgumentException("it has no \"config\"");
            recorded = PipelineConfig.fromMap(config);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not a valid pipeline file: " + e.getMessage(), e);
        }
        Path conf = dir.resolve(RunDirectory.CONFIG_CONF);
        if (Files.isRegularFile(conf)) {
            PipelineConfig edited = HoconTrainConfig.validate(HoconTrainConfig.resolve(conf, List.of()), PipelineConfig::fromMap);
            RunDirectory.requireSame(recorded.canonicalMap(), edited.canonicalMap(), conf + " was changed after the run started");
        }
        return recorded;
    }

    /**
     * Runs what is left of the pipeline; true when every stage is complete, false when a stop request
     * ended it (after a chunk, on a checkpoint).
     */
    public static boolean run(Path dir, PipelineConfig config, TrainingData data, long checkpointEvery, Progress.Mode mode, StopRequest stop,
                              PrintStream out) throws IOException {
        return run(dir, config, data, checkpointEvery, mode, stop, out, Ops.cpu());
    }

    /** As above, every stage's models on {@code ops} ({@code --device}). */
    public static boolean run(Path dir, PipelineConfig config, TrainingData data, long checkpointEvery, Progress.Mode mode, StopRequest stop,
                              PrintStream out, Ops ops) throws IOException {
        SemiVimPipeline pipeline = new SemiVimPipeline(config, data, dir, checkpointEvery, ops);
        long total = stageSteps(config, "arm") + stageSteps(config, "finetune") + stageSteps(config, "ssl");
        try (Progress progress = Progress.open(mode, "pipeline", done(dir, config), total, "steps", 0, out)) {
            while (pipeline.stage() != SemiVimPipeline.Stage.DONE && !stop.requested()) {
                String stage = pipeline.stage().name().toLowerCase(java.util.Locale.ROOT);
                long at = checkpointed(dir, stage);
                long chunk = Math.min(checkpointEvery - at % checkpointEvery, stageSteps(config, stage) - at);   // to the next checkpoint
                pipeline.run(Math.max(1, chunk));
                progress.update(done(dir, config), "stage " + stage);
            }
        }
        return pipeline.stage() == SemiVimPipeline.Stage.DONE;
    }

    /** After the last stage: ssl/ as a training run directory, its final evaluation and report. */
    public static RunDirectory finish(Path dir, PipelineConfig config, TrainingData data, TrainingSession.Options options, PrintStream out)
            throws IOException {
        return finish(dir, config, data, options, out, Ops.cpu());
    }

    /** As above, the evaluation's models on {@code ops}. */
    public static RunDirectory finish(Path dir, PipelineConfig config, TrainingData data, TrainingSession.Options options, PrintStream out, Ops ops)
            throws IOException {
        SemiVimPipeline pipeline = new SemiVimPipeline(config, data, dir, options.checkpointEvery(), ops);
        RunDirectory ssl = RunDirectory.adopt(dir.resolve("ssl"), config.ssl());
        TrainState last = pipeline.finalState("ssl");
        TrainConfig c = config.ssl();
        RunEvaluation evaluation = RunEvaluation.evaluate(c, data, last.step(), RunModels.withValues(c, last.student(), ops), last.teacher(),
                options.evalLimitPerClass(), options.evalBatch(), options.progress(), out, () -> false, ops);
        evaluation.write(ssl.reportDir());
        out.print(evaluation.summary());
        return ssl;
    }

    private static long stageSteps(PipelineConfig config, String stage) {
        return switch (stage) {
            case "arm" -> config.arm() == null ? 0 : config.arm().steps();
            case "finetune" -> config.finetune().steps();
            case "ssl" -> config.ssl().steps();
            default -> throw new IllegalArgumentException("no stage " + stage);
        };
    }

    /** The step of the stage's newest checkpoint directory (0 without one). */
    private static long checkpointed(Path dir, String stage) throws IOException {
        List<Long> steps = new CheckpointStore(dir.resolve(stage)).steps();
        return steps.isEmpty() ? 0 : steps.get(steps.size() - 1);
    }

    private static long done(Path dir, PipelineConfig config) throws IOException {
        return (config.arm() == null ? 0 : checkpointed(dir, "arm")) + checkpointed(dir, "finetune") + checkpointed(dir, "ssl");
    }
}
