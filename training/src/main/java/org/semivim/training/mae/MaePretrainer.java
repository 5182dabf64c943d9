package org.semivim.training.mae;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.EpochSampler;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.mae.MaeConfig;
import org.semivim.engine.models.mae.MaeMask;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.MaePretrainConfig;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.UpdateBackends;
import org.semivim.training.update.UpdatePhase;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * MAE pre-training (ssl-spec.md §2.9) in the phases of docs/training-loop.md: (1) batch t of the image
 * pool from the sampler {@code "semivim.mae.sampler"} at position t·B (labels never read); (2) the
 * weak views at (seed, t, sample); (3) no pseudo-labels; (4) the masks
 * {@code CounterRng.of(seed, "semivim.mae.mask").derive(t)}, row key = sample index
 * ({@link MaeMask#draw}); (5) the gradients of the S fixed shards ({@link MaeShardStep}, drop-path
 * from {@code CounterRng.of(seed, "semivim.mae.drop").derive(t, s)}), summed in shard order;
 * (6) clip, AdamW with warm-up + cosine; (7) the step record (loss, lr, grad norm) to the listeners.
 * Like the reference trainer, the step is the only cursor, so {@link #state()} / {@link #restore}
 * resume bit for bit. {@link #saveEncoder} writes the encoder for a classifier's {@code init_from}.
 */
public final class MaePretrainer {
    public static final String SAMPLER_STREAM = "semivim.mae.sampler", MASK_STREAM = "semivim.mae.mask", DROP_STREAM = "semivim.mae.drop";

    /** One step's record. */
    public record StepRecord(long step, double epoch, double lr, double loss, double gradNorm, boolean skipped) {
        /** As one JSONL line's fields (without "step"); NaN becomes null. */
        public Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("lr", lr);
            m.put("loss", Double.isFinite(loss) ? loss : null);
            m.put("grad_norm", Double.isFinite(gradNorm) ? gradNorm : null);
            m.put("skipped", skipped);
            return m;
        }
    }

    private final MaePretrainConfig config;
    private final MaeConfig maeConfig;
    private final MaskedAutoencoder model;      // its values are the master θ
    private final MaskedAutoencoder replica;    // scratch for the shard passes
    private final EpochSampler sampler;
    private final BatchAugmenter augmenter;
    private final AdamWOptimizer adamW;   // on the update backend of the ops (UpdateBackends.of)
    private final UpdatePhase updatePhase;
    private final List<Consumer<StepRecord>> listeners = new ArrayList<>();
    private long nextStep;

    public MaePretrainer(MaePretrainConfig config, TrainingData data) {
        this(config, data, Ops.cpu());
    }

    public MaePretrainer(MaePretrainConfig config, TrainingData data, Ops ops) {
        this.config = config;
        this.maeConfig = config.maeConfig();
        this.model = new MaskedAutoencoder(maeConfig, ops, config.seed());
        this.replica = new MaskedAutoencoder(maeConfig, ops, config.seed());
        this.sampler = new EpochSampler(pool(config, data), config.seed(), SAMPLER_STREAM);
        this.augmenter = new BatchAugmenter(data.train(), new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(data.train().height())),
                Normalization.fashionMnist());
        this.adamW = UpdateBackends.of(ops).adamW(model.parameters(), config.weightDecay(), Set.of());
        LrSchedule schedule = LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps());
        this.updatePhase = new UpdatePhase(schedule, config.clip(), AdamWUpdate.studentOnly(adamW));
    }

    /** The training-set indices the run samples from: labeled ∪ unlabeled of the split (sorted), or every image. */
    static int[] pool(MaePretrainConfig config, TrainingData data) {
        if (config.images() == MaePretrainConfig.ImagePool.TRAIN) return IntStream.range(0, data.train().count()).toArray();
        return IntStream.concat(IntStream.of(data.split().labeled()), IntStream.of(data.split().unlabeled())).sorted().toArray();
    }

    public void addListener(Consumer<StepRecord> listener) {
        listeners.add(listener);
    }

    public void run() {
        while (nextStep < config.steps()) runStep();
    }

    public void run(long n) {
        for (long i = 0; i < n; i++) runStep();
    }

    public StepRecord runStep() {
        long t = nextStep;
        int[] samples = sampler.take(t * config.batch(), config.batch());                             // (1)
        Tensor images = augmenter.render(samples, t, AugmentView.WEAK);                               // (2)
        long[] keys = new long[samples.length];
        for (int i = 0; i < samples.length; i++) keys[i] = samples[i];
        MaeMask mask = MaeMask.draw(CounterRng.of(config.seed(), MASK_STREAM).derive(t), keys, maeConfig.numPatches(),
                maeConfig.keepCount());                                                                // (4)
        float[] theta = model.parameters().flatValues().data;
        List<float[]> gradients = new ArrayList<>();
        double loss = 0;
        for (int s = 0; s < config.shards(); s++) {                                                   // (5)
            MaeShardStep.load(replica, theta);
            loss += MaeShardStep.accumulate(replica, images, mask, s, config.shards(), 1f,
                    CounterRng.of(config.seed(), DROP_STREAM).derive(t, s)).weightedLoss();
            gradients.add(replica.parameters().flatGrads().toArray());
        }
        float[] gradient = ShardGradient.sumInShardOrder(gradients);
        UpdatePhase.Outcome outcome = updatePhase.apply(t, gradient, loss, theta, null);                // (6)
        nextStep = t + 1;
        StepRecord record = new StepRecord(t, (double) t * config.batch() / sampler.populationSize(), outcome.lr(), loss,
                outcome.gradNorm(), outcome.skipped());                                               // (7)
        for (Consumer<StepRecord> l : listeners) l.accept(record);
        return record;
    }

    public long nextStep() {
        return nextStep;
    }

    public MaePretrainConfig config() {
        return config;
    }

    /** The model; its values are the live θ (do not change them). */
    public MaskedAutoencoder model() {
        return model;
    }

    public float[] parameters() {
        return model.parameters().flatValues().toArray();
    }

    /** Everything a resume needs: step (= sampler position / B), θ, the AdamW state. */
    public TrainState state() {
        return new TrainState(config.hash(), nextStep, nextStep * config.batch(), 0, parameters(), null, adamW.state(), Map.of());
    }

    public void restore(TrainState state) {
        if (!state.configHash().equals(config.hash())) {
            throw new IllegalArgumentException("train state was written for config " + state.configHash() + ", this MAE run's config is " + config.hash());
        }
        if (state.labeledPosition() != state.step() * config.batch() || state.unlabeledPosition() != 0) {
            throw new IllegalArgumentException("train state cursor " + state.labeledPosition() + " does not match step " + state.step());
        }
        if (state.teacher() != null) throw new IllegalArgumentException("MAE pre-training keeps no teacher, but the train state has one");
        float[] values = model.parameters().flatValues().data;
        float[] s = state.student();
        if (s.length != values.length) throw new IllegalArgumentException("train state has " + s.length + " parameters, the model " + values.length);
        updatePhase.parameterUpdate().restore(state.methodState());
        adamW.restore(state.adamW());
        System.arraycopy(s, 0, values, 0, values.length);
        adamW.backend().hostWritten(values);
        nextStep = state.step();
    }

    /**
     * Writes the encoder — every ViT parameter of the model but the classifier {@code head.*}, under
     * its timm name — to a safetensors file a ViT classifier loads with {@code init_from}.
     */
    public void saveEncoder(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : maeConfig.encoder().parameterShapes().keySet()) {
            if (name.startsWith("head.")) continue;
            Parameter p = model.parameters().get(name);
            tensors.put(name, p.value());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "semivim-mae-encoder");
        meta.put("vit_config", maeConfig.encoder().toJson());
        meta.put("step", Long.toString(nextStep));
        meta.put("config_hash", config.hash());
        Safetensors.write(file, tensors, meta);
    }
}
