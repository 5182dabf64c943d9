package org.semivim.training.pipeline;

import org.semivim.engine.models.arm.ArmModel;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.models.arm.ArmTransfer;
import org.semivim.engine.ops.Ops;
import org.semivim.training.arm.ArmPretrainer;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.PipelineConfig;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.MetricsLogListener;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a {@link PipelineConfig} in a run directory, stage by stage, resumable at any point:
 * <pre>
 * runDir/pipeline.json              the canonical config and its hash (a run directory holds one pipeline)
 * runDir/arm/      checkpoints, metrics.jsonl, encoder.safetensors (written when the stage ends)
 * runDir/finetune/ checkpoints, metrics.jsonl     student starts from the transfer of the ARM encoder
 * runDir/ssl/      checkpoints, metrics.jsonl     student and teacher start from the fine-tuned student
 * </pre>
 * A stage is finished when its store holds a checkpoint at its last step; {@link #run(long)} skips
 * finished stages, resumes the current one from its newest good checkpoint (checkpoints every
 * {@code checkpointEvery} steps and at the stage's end) and goes on. Every stage is a deterministic
 * function of its start, so an interrupted pipeline ends with the same bits as an uninterrupted one.
 */
public final class SemiVimPipeline {
    /** Where a pipeline stands. */
    public enum Stage { ARM, FINETUNE, SSL, DONE }

    private final PipelineConfig config;
    private final TrainingData data;
    private final Path runDir;
    private final long checkpointEvery;
    private final Ops ops;

    public SemiVimPipeline(PipelineConfig config, TrainingData data, Path runDir, long checkpointEvery, Ops ops) throws IOException {
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpointEvery must be >= 1, got " + checkpointEvery);
        this.config = config;
        this.data = data;
        this.runDir = runDir;
        this.checkpointEvery = checkpointEvery;
        this.ops = ops;
        claimRunDirectory();
    }

    /** Writes pipeline.json on first use; refuses a directory that holds another pipeline. */
    private void claimRunDirectory() throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve("pipeline.json");
        String text = "{\"hash\":\"" + config.hash() + "\",\"config\":" + config.canonicalJson() + "}\n";
        if (Files.exists(file)) {
            String have = Files.readString(file, StandardCharsets.UTF_8);
            if (!have.contains("\"hash\":\"" + config.hash() + "\"")) {
                throw new IllegalArgumentException("run directory " + runDir + " holds another pipeline (pipeline.json hash differs from "
                        + config.hash() + "); use a new directory");
            }
            return;
        }
        Path tmp = runDir.resolve("pipeline.json.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs the whole pipeline (what is left of it). */
    public void run() throws IOException {
        run(Long.MAX_VALUE);
    }

    /** Runs at most {@code maxSteps} optimizer steps over the stages; true when the pipeline is complete. */
    public boolean run(long maxSteps) throws IOException {
        long[] budget = {maxSteps};
        if (!runArm(budget)) return false;
        if (!runFineTune(budget)) return false;
        return runSsl(budget);
    }

    /** The stage the run directory is at. */
    public Stage stage() throws IOException {
        if (config.arm() != null && (!finished(store("arm"), config.arm().hash(), config.arm().steps()) || !Files.exists(encoderFile()))) {
            return Stage.ARM;
        }
        if (!finished(store("finetune"), config.finetune().hash(), config.finetune().steps())) return Stage.FINETUNE;
        if (!finished(store("ssl"), config.ssl().hash(), config.ssl().steps())) return Stage.SSL;
        return Stage.DONE;
    }

    public Path encoderFile() {
        return runDir.resolve("arm").resolve("encoder.safetensors");
    }

    private boolean runArm(long[] budget) throws IOException {
        if (config.arm() == null) return true;                               // pretrain none
        CheckpointStore store = store("arm");
        long steps = config.arm().steps();
        if (finished(store, config.arm().hash(), steps) && Files.exists(encoderFile())) return true;
        ArmPretrainer arm = new ArmPretrainer(config.arm(), data, ops);
        arm.resume(store);
        try (MetricsLog log = MetricsLog.resume(runDir.resolve("arm").resolve("metrics.jsonl"), arm.nextStep() - 1)) {
            arm.addListener(r -> append(log, r.step(), r.fields()));
            while (arm.nextStep() < steps && budget[0] > 0) {
                arm.runStep();
                budget[0]--;
                if (arm.nextStep() % checkpointEvery == 0 || arm.nextStep() == steps) arm.save(store);
            }
        }
        if (arm.nextStep() < steps) return false;
        arm.writeEncoder(encoderFile());
        return true;
    }

    private boolean runFineTune(long[] budget) throws IOException {
        TrainConfig c = config.finetune();
        CheckpointStore store = store("finetune");
        if (finished(store, c.hash(), c.steps())) return true;
        VisionMamba start = new VisionMamba(config.model().config(), Ops.reference());
        start.initialize(c.seed());                                          // cls_token, head, norm_f: new
        if (config.arm() != null) ArmTransfer.transfer(finalEncoder(), config.arm().arm(), start.parameters(), config.positions());
        Set<String> frozen = FineTuneSets.frozen(start.parameters(), config.fullFineTune());
        ReferenceTrainer t = new ReferenceTrainer(c, data, ops, start.parameters().flatValues().toArray(), frozen);
        return runTrainer(t, store, "finetune", budget);
    }

    private boolean runSsl(long[] budget) throws IOException {
        TrainConfig c = config.ssl();
        CheckpointStore store = store("ssl");
        if (finished(store, c.hash(), c.steps())) return true;
        float[] fineTuned = finalState(store("finetune"), config.finetune()).student();
        ReferenceTrainer t = new ReferenceTrainer(c, data, ops, fineTuned, Set.of());   // teacher = copy of the fine-tuned student
        return runTrainer(t, store, "ssl", budget);
    }

    private boolean runTrainer(ReferenceTrainer t, CheckpointStore store, String stage, long[] budget) throws IOException {
        long steps = t.config().steps();
        TrainCheckpoints.resume(store, t);
        try (MetricsLog log = MetricsLog.resume(runDir.resolve(stage).resolve("metrics.jsonl"), t.nextStep() - 1)) {
            t.addListener(new MetricsLogListener(log));
            while (t.nextStep() < steps && budget[0] > 0) {
                t.runStep();
                budget[0]--;
                if (t.nextStep() % checkpointEvery == 0 || t.nextStep() == steps) TrainCheckpoints.save(store, t);
            }
        }
        return t.nextStep() == steps;
    }

    /**
     * The encoder tensors of the ARM stage's last checkpoint (checksums verified by the store), the
     * same values {@code encoder.safetensors} holds; the file is the stage's export, this is what the
     * transfer reads.
     */
    private Map<String, Tensor> finalEncoder() throws IOException {
        Checkpoint last = store("arm").load(config.arm().steps(), config.arm().hash());
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : ArmModel.encoderParameterNames(config.arm().arm())) out.put(name, last.tensor(TrainState.STUDENT + name));
        return out;
    }

    /** The train state of a finished stage (its checkpoint at the last step). */
    public TrainState finalState(String stage) throws IOException {
        return switch (stage) {
            case "finetune" -> finalState(store("finetune"), config.finetune());
            case "ssl" -> finalState(store("ssl"), config.ssl());
            default -> throw new IllegalArgumentException("no train state for stage '" + stage + "' (finetune or ssl)");
        };
    }

    private TrainState finalState(CheckpointStore store, TrainConfig c) throws IOException {
        var layout = c.model().create(Ops.reference(), c.seed()).parameters();
        return TrainCheckpoints.stateOf(store.load(c.steps(), c.hash()), layout);
    }

    private static boolean finished(CheckpointStore store, String hash, long steps) throws IOException {
        Optional<LoadResult> latest = store.latest(hash);
        return latest.isPresent() && latest.get().checkpoint().step() == steps;
    }

    private CheckpointStore store(String stage) {
        return new CheckpointStore(runDir.resolve(stage));
    }

    private static void append(MetricsLog log, long step, Map<String, ?> fields) {
        try {
            log.append(step, fields);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append step " + step + " to " + log.file(), e);
        }
    }
}
