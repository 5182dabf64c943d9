package org.semivim.training.arm;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.EpochSampler;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.arm.ArmModel;
import org.semivim.engine.models.arm.ArmTransfer;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.UpdateBackends;
import org.semivim.training.update.UpdatePhase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The ARM pre-training loop (ssl-spec.md §2.10, §2.7 step 1). Per step t:
 * <ol>
 *   <li>batch = positions [t·B, (t+1)·B) of an epoch-shuffled stream over the labeled ∪ unlabeled pools
 *       of the split (labels never read; the validation split is left out, it is for model selection);</li>
 *   <li>the §1.2 weak view of each image at (seed, t, sample) (or normalisation only with augment "none");</li>
 *   <li>loss, gradient of {@link ArmModel} on the whole batch;</li>
 *   <li>{@link UpdatePhase}: global-norm clip (config), a non-finite loss or gradient skips the step,
 *       AdamW at lr = warm-up + cosine(t).</li>
 * </ol>
 * Every draw is a function of (seed, t, …), so the step is the whole cursor: a {@link TrainState}
 * (student = the ARM parameters, no teacher, AdamW moments) is an exact resume point.
 */
public final class ArmPretrainer {
    public static final String SAMPLER_STREAM = "semivim.arm.sampler";

    private final ArmPretrainConfig config;
    private final ArmModel model;
    private final EpochSampler sampler;
    private final BatchAugmenter augmenter;
    private final AdamWOptimizer adamW;   // on the update backend of the ops (UpdateBackends.of)
    private final UpdatePhase updatePhase;
    private final List<Consumer<ArmStepRecord>> listeners = new ArrayList<>();
    private long nextStep;

    public ArmPretrainer(ArmPretrainConfig config, TrainingData data) {
        this(config, data, Ops.cpu());
    }

    public ArmPretrainer(ArmPretrainConfig config, TrainingData data, Ops ops) {
        this.config = config;
        this.model = new ArmModel(config.arm(), ops);
        model.initialize(config.seed());
        int[] pool = concat(data.split().labeled(), data.split().unlabeled());
        Arrays.sort(pool);
        this.sampler = new EpochSampler(pool, config.seed(), SAMPLER_STREAM);
        this.augmenter = new BatchAugmenter(data.train(), new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(data.train().height())),
                Normalization.fashionMnist());
        this.adamW = UpdateBackends.of(ops).adamW(model.parameters(), config.weightDecay(), Set.of());
        LrSchedule schedule = LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps());
        this.updatePhase = new UpdatePhase(schedule, config.clip(), AdamWUpdate.studentOnly(adamW));
    }

    public void addListener(Consumer<ArmStepRecord> listener) {
        listeners.add(listener);
    }

    /** Runs steps until {@code config.steps()} have been run. */
    public void run() {
        while (nextStep < config.steps()) runStep();
    }

    /** Runs the next {@code n} steps (never past {@code config.steps()}). */
    public void run(long n) {
        for (long i = 0; i < n && nextStep < config.steps(); i++) runStep();
    }

    /** The indices of step t's batch. */
    public int[] batchIndices(long t) {
        return sampler.take(t * config.batch(), config.batch());
    }

    public ArmStepRecord runStep() {
        long t = nextStep;
        if (t >= config.steps()) throw new IllegalStateException("ARM pre-training already ran its " + config.steps() + " steps");
        Tensor images = augmenter.render(batchIndices(t), t, config.augment() ? AugmentView.WEAK : AugmentView.EVAL);
        model.parameters().zeroGrads();
        ArmModel.Pass pass = model.forward(images);
        model.backward(pass);
        float[] gradient = model.parameters().flatGrads().data;
        UpdatePhase.Outcome o = updatePhase.apply(t, gradient, pass.loss(), model.parameters().flatValues().data, null);
        nextStep = t + 1;
        ArmStepRecord r = new ArmStepRecord(t, pass.loss(), o.lr(), o.gradNorm(), o.skipped());
        for (Consumer<ArmStepRecord> l : listeners) l.accept(r);
        return r;
    }

    public long nextStep() { return nextStep; }

    public ArmPretrainConfig config() { return config; }

    /** The model; its values are the live parameters (do not change them). */
    public ArmModel model() { return model; }

    public float[] parameters() {
        return model.parameters().flatValues().toArray();
    }

    public TrainState state() {
        return new TrainState(config.hash(), nextStep, nextStep * config.batch(), 0, parameters(), null, adamW.state(), Map.of());
    }

    public void restore(TrainState s) {
        if (!s.configHash().equals(config.hash())) {
            throw new IllegalArgumentException("ARM state was written for config " + s.configHash() + ", this run's config is " + config.hash());
        }
        if (s.teacher() != null || s.labeledPosition() != s.step() * config.batch() || s.unlabeledPosition() != 0) {
            throw new IllegalArgumentException("not an ARM pre-training state (teacher or cursors do not match step " + s.step() + ")");
        }
        if (s.step() > config.steps()) throw new IllegalArgumentException("ARM state is at step " + s.step() + " > " + config.steps());
        float[] v = s.student();
        if (v.length != model.parameters().count()) {
            throw new IllegalArgumentException("ARM state has " + v.length + " parameters, the model " + model.parameters().count());
        }
        System.arraycopy(v, 0, model.parameters().flatValues().data, 0, v.length);
        adamW.backend().hostWritten(model.parameters().flatValues().data);
        adamW.restore(s.adamW());
        nextStep = s.step();
    }

    /** Writes the current state as the checkpoint of its step. */
    public Path save(CheckpointStore store) throws IOException {
        TrainState s = state();
        return store.write(s.step(), s.toTensors(model.parameters()), s.toStateMap(), s.configHash());
    }

    /** Restores from the newest good checkpoint of this config; empty (and nothing changed) when there is none. */
    public Optional<LoadResult> resume(CheckpointStore store) throws IOException {
        Optional<LoadResult> latest = store.latest(config.hash());
        if (latest.isPresent()) restore(TrainCheckpoints.stateOf(latest.get().checkpoint(), model.parameters()));
        return latest;
    }

    /**
     * Writes the encoder tensors (ViM names) as safetensors, atomically (temporary file, then move),
     * with the step and the config hash as metadata: the input of the transfer.
     */
    public void writeEncoder(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "semivim-arm-encoder");
        meta.put("step", Long.toString(nextStep));
        meta.put("config_hash", config.hash());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Safetensors.write(tmp, ArmTransfer.encoderWeights(model), meta);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
