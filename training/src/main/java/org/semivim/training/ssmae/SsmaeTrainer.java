package org.semivim.training.ssmae;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.BatchAssembler;
import org.semivim.data.sampling.EpochSampler;
import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.mae.MaeConfig;
import org.semivim.engine.models.mae.MaeMask;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.DatasetInference;
import org.semivim.training.loop.InitFrom;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.mae.MaeShardStep;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.UpdatePhase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SSMAE (ssl-spec.md §2.8, R-G1…R-G7): a ViT encoder + MAE decoder ({@link MaskedAutoencoder}) trained
 * on L = L_mae + w_cls·L_cls with the validation-gated permanent pseudo-label memory. Step t of epoch
 * e = ⌊t/E⌋ ({@link SsmaeSchedule}), in the phases of docs/training-loop.md:
 * <ol>
 *   <li>(0, first step of an epoch) the gate: from e ≥ W the current model's softmax on the VALIDATION
 *       split (eval mode) decides it for the whole epoch ({@link SsmaeGate}, R-G1…R-G3);</li>
 *   <li>(1) batches: B_l labeled, B_u unlabeled at the schedule's sampler positions;</li>
 *   <li>(2) views: labeled weak, unlabeled weak and strong, at (seed, t, sample, view);</li>
 *   <li>(3) the current model θ_{t−1} (no teacher, eval mode, R-G6) on the weak and strong views, then
 *       admission ({@link SsmaeAdmission}, R-G4, R-G5), committed to the memory at once;</li>
 *   <li>(4) terms: L_cls = mean CE over labeled + pseudo-labeled weak views
 *       ({@link SsmaeClassificationBatch}, R-G7); L_mae on the weak views of labeled + unlabeled with
 *       masks {@code CounterRng.of(seed, "semivim.ssmae.mask").derive(t)}, row key = sample index;</li>
 *   <li>(5) the S fixed shards: rows [⌊s·n/S⌋, ⌊(s+1)·n/S⌋) of both terms, drop-path from
 *       {@code CounterRng.of(seed, "semivim.train.drop").derive(t, term, s)} (term 0 = L_cls, 1 = L_mae), summed in shard order;</li>
 *   <li>(6) clip, AdamW at the config's lr (constant by default for SSMAE);</li>
 *   <li>(7) the record: losses, gate, memory size, pseudo-label accuracies against the hidden true labels.</li>
 * </ol>
 * The memory is the data module's Chronicle {@link PseudoLabelMemory} in {@code workDir}; the
 * {@link #state()} holds it and the gate, so a resume is exact. Close the trainer to close the memory.
 */
public final class SsmaeTrainer implements AutoCloseable {
    public static final String MASK_STREAM = "semivim.ssmae.mask", DROP_STREAM = "semivim.train.drop", MEMORY_FILE = "ssmae-memory.cm";
    private static final int VALIDATION_BATCH = 256;

    private final TrainConfig config;
    private final TrainingData data;
    private final SsmaeConfig rules;
    private final MaeConfig maeConfig;
    private final Ops ops;
    private final MaskedAutoencoder model;      // its values are the master θ
    private final MaskedAutoencoder replica;    // scratch for every pass
    private final SsmaeSchedule schedule;
    private final EpochSampler labeledSampler, unlabeledSampler;
    private final BatchAugmenter augmenter;
    private final AdamW adamW;
    private final UpdatePhase updatePhase;
    private final Path memoryFile;
    private final InitFrom initFrom;
    private final List<StepListener> listeners = new ArrayList<>();
    private PseudoLabelMemory memory;
    private int memoryCorrect;                  // memorised labels equal to the hidden true label (diagnostics)
    private SsmaeGate.Decision gate;            // the current epoch's gate; null before the first step
    private long nextStep;

    public SsmaeTrainer(TrainConfig config, TrainingData data, Path workDir) {
        this(config, data, workDir, Ops.cpu());
    }

    /** {@code workDir} holds the memory file, which is started afresh (a resume restores it from the train state). */
    public SsmaeTrainer(TrainConfig config, TrainingData data, Path workDir, Ops ops) {
        if (config.method() != Method.SSMAE) throw new IllegalArgumentException("SsmaeTrainer runs method ssmae, not " + config.method().configName());
        this.config = config;
        this.data = data;
        this.rules = config.ssmae().gate();
        this.maeConfig = config.ssmae().mae().maeConfig(((ModelSpec.Vit) config.model()).config());
        this.ops = ops;
        this.model = new MaskedAutoencoder(maeConfig, ops, config.seed());
        this.initFrom = config.initFrom() == null ? null : InitFrom.load(model.parameters(), Path.of(config.initFrom()));
        this.replica = new MaskedAutoencoder(maeConfig, ops, config.seed());
        this.schedule = new SsmaeSchedule(data.split().labeled().length, data.split().unlabeled().length, config.labeledBatch(),
                config.unlabeledBatch());
        this.labeledSampler = new EpochSampler(data.split().labeled(), config.seed(), BatchAssembler.LABELED_STREAM);
        this.unlabeledSampler = new EpochSampler(data.split().unlabeled(), config.seed(), BatchAssembler.UNLABELED_STREAM);
        this.augmenter = new BatchAugmenter(data.train(), new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(data.train().height())),
                Normalization.fashionMnist());
        this.adamW = new AdamW(model.parameters(), config.weightDecay());
        this.updatePhase = new UpdatePhase(adamW, LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps()),
                config.clip(), AdamWUpdate.studentOnly(adamW));
        this.memoryFile = workDir.resolve(MEMORY_FILE);
        openFreshMemory(List.of());
    }

    public void addListener(StepListener listener) {
        listeners.add(listener);
    }

    public void run() {
        while (nextStep < config.steps()) runStep();
    }

    public void run(long n) {
        for (long i = 0; i < n; i++) runStep();
    }

    /** Runs step {@link #nextStep()} and returns its record. */
    public StepRecord runStep() {
        long t = nextStep, epoch = schedule.epochOf(t);
        if (gate == null || schedule.startsEpoch(t)) gate = decideGate(epoch);                               // (0)
        int[] labeled = labeledSampler.take(schedule.labeledPosition(t), config.labeledBatch());              // (1)
        int[] unlabeled = unlabeledSampler.take(schedule.unlabeledPosition(t), config.unlabeledBatch());
        Tensor labeledWeak = augmenter.render(labeled, t, AugmentView.WEAK);                                   // (2)
        Tensor weak = augmenter.render(unlabeled, t, AugmentView.WEAK);
        Tensor strong = augmenter.render(unlabeled, t, AugmentView.STRONG);
        int[] labels = new int[labeled.length];
        for (int i = 0; i < labeled.length; i++) labels[i] = data.train().label(labeled[i]);

        float[] theta = model.parameters().flatValues().data;                                                   // (3)
        Tensor pw = probabilities(theta, weak), ps = probabilities(theta, strong);
        SsmaeAdmission.Admission admission = SsmaeAdmission.decide(unlabeled, pw, ps, gate.enabled(), memory::labelOf, rules);
        int admitted = SsmaeAdmission.commit(admission, memory::admit, epoch);
        int admittedCorrect = 0, pairsCorrect = 0;
        for (SsmaeAdmission.PseudoPair p : admission.pairs()) {
            boolean right = p.label() == data.train().label(p.sampleIndex());     // hidden true label, diagnostics only
            if (right) pairsCorrect++;
            if (p.newlyAdmitted() && right) admittedCorrect++;
        }
        memoryCorrect += admittedCorrect;

        SsmaeClassificationBatch cls = SsmaeClassificationBatch.assemble(labeledWeak, labels, weak, admission);   // (4)
        Tensor targets = cls.oneHotTargets(model.numClasses());
        Tensor maeImages = concat(labeledWeak, weak);
        long[] keys = new long[labeled.length + unlabeled.length];
        for (int i = 0; i < labeled.length; i++) keys[i] = labeled[i];
        for (int i = 0; i < unlabeled.length; i++) keys[labeled.length + i] = unlabeled[i];
        MaeMask mask = MaeMask.draw(CounterRng.of(config.seed(), MASK_STREAM).derive(t), keys, maeConfig.numPatches(), maeConfig.keepCount());

        List<float[]> gradients = new ArrayList<>();                                                          // (5)
        double lossCls = 0, lossMae = 0;
        float wCls = (float) rules.classificationWeight();
        CounterRng drop = CounterRng.of(config.seed(), DROP_STREAM);
        for (int s = 0; s < config.shards(); s++) {
            MaeShardStep.load(replica, theta);
            lossCls += classificationShard(cls, targets, s, wCls, drop.derive(t, 0, s));
            lossMae += MaeShardStep.accumulate(replica, maeImages, mask, s, config.shards(), 1f, drop.derive(t, 1, s)).weightedLoss();
            gradients.add(replica.parameters().flatGrads().toArray());
        }
        double loss = SsmaeClassificationBatch.totalLoss(lossMae, lossCls, rules);
        UpdatePhase.Outcome outcome = updatePhase.apply(t, ShardGradient.sumInShardOrder(gradients), loss, theta, null);   // (6)
        nextStep = t + 1;

        int pairs = admission.size();                                                                          // (7)
        int argmaxCorrect = 0;
        PseudoLabels weakLabels = PseudoLabels.fromProbabilities(pw);
        for (int i = 0; i < unlabeled.length; i++) if (weakLabels.label()[i] == data.train().label(unlabeled[i])) argmaxCorrect++;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("loss_mae", lossMae);
        fields.put("loss_cls", lossCls);
        fields.put("ssmae_epoch", epoch);
        fields.put("gate_evaluated", gate.evaluated());
        fields.put("gate_enabled", gate.enabled());
        fields.put("hc_acc", gate.highConfidenceAccuracy());
        fields.put("hc_count", gate.highConfidenceCount());
        fields.put("pseudo_pairs", pairs);
        fields.put("admitted", admitted);
        fields.put("admitted_acc", admitted == 0 ? null : (double) admittedCorrect / admitted);
        fields.put("memory_size", memory.size());
        fields.put("memory_acc", memory.size() == 0 ? null : (double) memoryCorrect / memory.size());
        double stepInEpoch = (double) (t % schedule.stepsPerEpoch()) / schedule.stepsPerEpoch();
        StepRecord record = new StepRecord(t, epoch + stepInEpoch, outcome.lr(), loss, lossCls, Double.NaN, (double) pairs / unlabeled.length,
                pairs == 0 ? Double.NaN : (double) pairsCorrect / pairs, (double) argmaxCorrect / unlabeled.length, outcome.gradNorm(),
                outcome.skipped(), fields);
        for (StepListener l : listeners) l.onStep(record);
        return record;
    }

    /** Phase (0): the gate of epoch {@code epoch} from the model now (R-G1, R-G2). */
    private SsmaeGate.Decision decideGate(long epoch) {
        if (!SsmaeGate.needsValidation(epoch, rules)) return SsmaeGate.before(epoch, rules);
        int[] validation = data.split().validation();
        if (validation.length == 0) throw new IllegalStateException("the SSMAE gate needs a validation split (R-G1); the split has none");
        MaeShardStep.load(replica, model.parameters().flatValues().data);
        Tensor probabilities = PseudoLabels.softmax(DatasetInference.logits(replica, augmenter, validation, VALIDATION_BATCH));
        int[] labels = new int[validation.length];
        for (int i = 0; i < validation.length; i++) labels[i] = data.train().label(validation[i]);
        return SsmaeGate.decide(epoch, probabilities, labels, rules);
    }

    /** Softmax [n, K] of the model θ on {@code views} in eval mode, over the fixed shards of the rows (R-G6). */
    private Tensor probabilities(float[] theta, Tensor views) {
        MaeShardStep.load(replica, theta);
        int n = views.dim(0), per = views.size / n, classes = model.numClasses();
        Tensor logits = Tensor.zeros(n, classes);
        for (int s = 0; s < config.shards(); s++) {
            int from = ShardInput.bound(s, n, config.shards()), to = ShardInput.bound(s + 1, n, config.shards());
            if (from == to) continue;
            Tensor rows = Tensor.view(views.data, views.offset + from * per, to - from, views.dim(1), views.dim(2), views.dim(3));
            Tensor out = replica.forward(rows, ForwardMode.eval()).logits();
            System.arraycopy(out.data, out.offset, logits.data, from * classes, out.size);
        }
        return PseudoLabels.softmax(logits);
    }

    /** Shard s of L_cls: forward, CE with the rows' weights 1/(B_l + P), dLogits·w_cls, backward; returns its loss share. */
    private double classificationShard(SsmaeClassificationBatch cls, Tensor targets, int s, float wCls, CounterRng dropRng) {
        int n = cls.labels().length, from = ShardInput.bound(s, n, config.shards()), to = ShardInput.bound(s + 1, n, config.shards());
        if (from == to) return 0;
        Tensor images = cls.images();
        int per = images.size / n, classes = model.numClasses(), rows = to - from;
        Tensor x = Tensor.view(images.data, from * per, rows, images.dim(1), images.dim(2), images.dim(3));
        ImageClassifier.Pass pass = replica.forward(x, ForwardMode.train(dropRng));
        Tensor dLogits = Tensor.zeros(rows, classes);
        double loss = ops.loss().softmaxCrossEntropy(pass.logits(), Tensor.view(targets.data, from * classes, rows, classes),
                Tensor.view(cls.rowWeights().data, from, rows), dLogits);
        if (wCls != 1f) for (int i = 0; i < dLogits.size; i++) dLogits.data[i] *= wCls;
        replica.backward(pass, dLogits, null);
        return loss;
    }

    private static Tensor concat(Tensor a, Tensor b) {
        int[] shape = a.shape();
        shape[0] = a.dim(0) + b.dim(0);
        Tensor out = Tensor.zeros(shape);
        System.arraycopy(a.data, a.offset, out.data, 0, a.size);
        System.arraycopy(b.data, b.offset, out.data, a.size, b.size);
        return out;
    }

    // ---- state ----------------------------------------------------------------------------

    public long nextStep() {
        return nextStep;
    }

    public TrainConfig config() {
        return config;
    }

    /** The model (classifier = its encoder with the head); its values are the live θ (do not change them). */
    public MaskedAutoencoder model() {
        return model;
    }

    public float[] parameters() {
        return model.parameters().flatValues().toArray();
    }

    public SsmaeSchedule schedule() {
        return schedule;
    }

    /** The current epoch's gate (null before the first step). */
    public SsmaeGate.Decision gate() {
        return gate;
    }

    /** The memory's entries, by ascending sample index. */
    public List<PseudoLabelMemory.Memorised> memory() {
        return memory.entries();
    }

    /** What {@code init_from} loaded, or null. */
    public InitFrom initFrom() {
        return initFrom;
    }

    /** Everything a resume needs: step, sampler positions, θ, AdamW, the gate and the whole memory. */
    public TrainState state() {
        return new TrainState(config.hash(), nextStep, schedule.labeledPosition(nextStep), schedule.unlabeledPosition(nextStep), parameters(),
                null, adamW.state(), SsmaeMemoryState.toState(gate, memory.entries()));
    }

    /** Continues from {@code state}; the memory is rebuilt from the state's entries. */
    public void restore(TrainState state) {
        if (!state.configHash().equals(config.hash())) {
            throw new IllegalArgumentException("train state was written for config " + state.configHash() + ", this run's config is " + config.hash());
        }
        if (state.labeledPosition() != schedule.labeledPosition(state.step()) || state.unlabeledPosition() != schedule.unlabeledPosition(state.step())) {
            throw new IllegalArgumentException("train state cursors (" + state.labeledPosition() + ", " + state.unlabeledPosition()
                    + ") do not match SSMAE step " + state.step());
        }
        if (state.teacher() != null) throw new IllegalArgumentException("SSMAE keeps no teacher, but the train state has one");
        float[] values = model.parameters().flatValues().data, s = state.student();
        if (s.length != values.length) throw new IllegalArgumentException("train state has " + s.length + " parameters, the model " + values.length);
        SsmaeGate.Decision restoredGate = SsmaeMemoryState.gateOf(state.methodState());
        List<PseudoLabelMemory.Memorised> entries = SsmaeMemoryState.memoryOf(state.methodState());
        adamW.restore(state.adamW());
        System.arraycopy(s, 0, values, 0, values.length);
        openFreshMemory(entries);
        gate = restoredGate;
        nextStep = state.step();
    }

    private void openFreshMemory(List<PseudoLabelMemory.Memorised> entries) {
        try {
            if (memory != null) memory.close();
            Files.createDirectories(memoryFile.getParent());
            Files.deleteIfExists(memoryFile);
            memory = PseudoLabelMemory.open(memoryFile, data.train().count(), model.numClasses());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the SSMAE memory " + memoryFile + ": " + e.getMessage(), e);
        }
        memoryCorrect = 0;
        for (PseudoLabelMemory.Memorised m : entries) {
            if (!memory.admit(m.sampleIndex(), m.label(), m.confidence(), m.epoch())) {
                throw new IllegalArgumentException("SSMAE state lists sample " + m.sampleIndex() + " twice in the memory");
            }
            if (m.label() == data.train().label(m.sampleIndex())) memoryCorrect++;
        }
    }

    @Override
    public void close() {
        if (memory != null) memory.close();
    }
}
