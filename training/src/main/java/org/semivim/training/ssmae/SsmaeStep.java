package org.semivim.training.ssmae;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.mae.MaeConfig;
import org.semivim.engine.models.mae.MaeMask;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.DatasetInference;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.mae.MaeShardStep;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;

import java.util.ArrayList;
import java.util.List;

/**
 * The phases of one SSMAE step as separate public functions (docs/training-loop.md, "SSMAE phases"),
 * each a function of its arguments, the config and the data only, so they can run in different actors
 * and give the same bits as {@link SsmaeTrainer}, which calls them in order:
 * <ol>
 *   <li>(0) {@link #gate}: at the first step of an epoch (or with no gate yet), the current θ in eval mode
 *       on the VALIDATION split decides the epoch's gate;</li>
 *   <li>(1) {@link SsmaeBatches#batch}, (2) {@link #views}: the samples and their weak/strong views;</li>
 *   <li>(3) {@link #predict}: the current θ in eval mode on the unlabeled weak and strong views, over the S
 *       fixed row shards; {@link #plan}: the admission decision against the memory as it is after the
 *       previous step (the memory is written by the owner of the master state, {@link SsmaeTrainer#commit});</li>
 *   <li>(4) {@link #terms}: L_cls's batch (labeled + pseudo-labeled weak views) and L_mae's batch
 *       (weak views of labeled + unlabeled) with its masks;</li>
 *   <li>(5) {@link #shard}: the gradient of shard s of both terms at θ (a replica of the model is scratch);</li>
 *   <li>(6)–(7) {@link SsmaeTrainer#commit}: the memory write, Σ_s g_s in shard order, AdamW, the record.</li>
 * </ol>
 * Each instance owns one scratch replica: use one per thread (actor).
 */
public final class SsmaeStep {
    public static final String MASK_STREAM = SsmaeTrainer.MASK_STREAM, DROP_STREAM = SsmaeTrainer.DROP_STREAM;
    private static final int VALIDATION_BATCH = 256;

    /** The current θ's eval-mode softmax on the unlabeled weak and strong views, [B_u, K] each. */
    public record Predictions(Tensor weak, Tensor strong) {}

    /**
     * What phases (0)–(3) decided for step {@code step}, all the master state needs to commit it: the
     * unlabeled samples [B_u], the epoch's gate, the admission (pseudo pairs, new ones to memorise) and the
     * weak-view argmax [B_u] (record only).
     */
    public record Plan(long step, long epoch, int[] unlabeled, SsmaeGate.Decision gate, SsmaeAdmission.Admission admission, int[] weakArgmax) {
        public Plan {
            unlabeled = unlabeled.clone();
            weakArgmax = weakArgmax.clone();
            if (unlabeled.length != weakArgmax.length) throw new IllegalArgumentException(unlabeled.length + " unlabeled samples but " + weakArgmax.length + " predictions");
        }

        @Override
        public int[] unlabeled() {
            return unlabeled.clone();
        }

        @Override
        public int[] weakArgmax() {
            return weakArgmax.clone();
        }
    }

    /**
     * The loss terms of step {@code step}: L_cls on {@code classification} with one-hot {@code targets}
     * [B_l + P, K], L_mae on {@code maeImages} [B_l + B_u, C, H, W] with {@code mask}.
     */
    public record Terms(long step, SsmaeClassificationBatch classification, Tensor targets, Tensor maeImages, MaeMask mask) {}

    /**
     * Shard s of step {@code step}'s terms, what a trainer needs for it: L_cls rows [⌊s·n/S⌋, ⌊(s+1)·n/S⌋) of the
     * classification batch (images [n_s, C, H, W], one-hot targets [n_s, K], row weights [n_s]; all null when
     * the shard has no L_cls row) and L_mae rows of the MAE batch (images [m_s, C, H, W] and their masks; null
     * when none) out of {@code maeBatch} rows.
     */
    public record ShardTerms(long step, int shard, Tensor classificationImages, Tensor classificationTargets, Tensor classificationWeights,
                             Tensor maeImages, MaeMask maeMasks, int maeBatch) {}

    /** Shard s's flat gradient [P] of w_cls·L_cls + L_mae, and its loss shares of L_cls and L_mae. */
    public record ShardResult(int shard, float[] gradient, double classificationLoss, double maeLoss) {}

    private final TrainConfig config;
    private final TrainingData data;
    private final SsmaeConfig rules;
    private final MaeConfig maeConfig;
    private final Ops ops;
    private final MaskedAutoencoder replica;    // scratch for every pass
    private final SsmaeSchedule schedule;
    private final BatchAugmenter augmenter;

    public SsmaeStep(TrainConfig config, TrainingData data, Ops ops) {
        if (config.method() != Method.SSMAE) throw new IllegalArgumentException("SSMAE phases run method ssmae, not " + config.method().configName());
        this.config = config;
        this.data = data;
        this.rules = config.ssmae().gate();
        this.maeConfig = maeConfig(config);
        this.ops = ops;
        this.replica = new MaskedAutoencoder(maeConfig, ops, config.seed());
        this.schedule = new SsmaeSchedule(data.split().labeled().length, data.split().unlabeled().length, config.labeledBatch(),
                config.unlabeledBatch());
        this.augmenter = new BatchAugmenter(data.train(), new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(data.train().height())),
                Normalization.fashionMnist());
    }

    /** The encoder + decoder configuration of an SSMAE run. */
    public static MaeConfig maeConfig(TrainConfig config) {
        if (!(config.model() instanceof ModelSpec.Vit vit)) throw new IllegalArgumentException("SSMAE needs a ViT model, got " + config.model());
        return config.ssmae().mae().maeConfig(vit.config());
    }

    /** The run's model as the seed initialises it (θ's layout: names, shapes, offsets). */
    public static MaskedAutoencoder model(TrainConfig config, Ops ops) {
        return new MaskedAutoencoder(maeConfig(config), ops, config.seed());
    }

    public SsmaeSchedule schedule() {
        return schedule;
    }

    public int numClasses() {
        return replica.numClasses();
    }

    /** Whether step t decides a new gate: the first step of an epoch, or no gate yet (R-G2). */
    public boolean decidesGate(long t, SsmaeGate.Decision current) {
        return current == null || schedule.startsEpoch(t);
    }

    /** Phase (0): the gate of {@code epoch} from θ [P] (R-G1, R-G2); no pass before W. */
    public SsmaeGate.Decision gate(float[] theta, long epoch) {
        if (!SsmaeGate.needsValidation(epoch, rules)) return SsmaeGate.before(epoch, rules);
        int[] validation = data.split().validation();
        if (validation.length == 0) throw new IllegalStateException("the SSMAE gate needs a validation split (R-G1); the split has none");
        MaeShardStep.load(replica, theta);
        Tensor probabilities = PseudoLabels.softmax(DatasetInference.logits(replica, augmenter, validation, VALIDATION_BATCH));
        int[] labels = new int[validation.length];
        for (int i = 0; i < validation.length; i++) labels[i] = data.train().label(validation[i]);
        return SsmaeGate.decide(epoch, probabilities, labels, rules);
    }

    /** Phase (2): labeled weak views and labels, unlabeled weak and strong views at (seed, t, sample, view). */
    public StepViews views(StepBatch batch) {
        return StepViews.render(augmenter, data.train(), batch, true);
    }

    /** Phase (3a): θ's eval-mode softmax on the unlabeled weak and strong views, over the S fixed shards of the rows (R-G6). */
    public Predictions predict(float[] theta, StepViews views) {
        return new Predictions(probabilities(theta, views.unlabeledWeak()), probabilities(theta, views.unlabeledStrong()));
    }

    /** Phase (3b): the admission decision of step t against {@code memory} (the memory after t − 1 steps, R-G4, R-G5). */
    public Plan plan(StepViews views, Predictions predictions, SsmaeGate.Decision gate, SsmaeAdmission.MemorisedLabels memory) {
        long t = views.batch().step();
        int[] unlabeled = views.batch().unlabeled();
        SsmaeAdmission.Admission admission = SsmaeAdmission.decide(unlabeled, predictions.weak(), predictions.strong(), gate.enabled(), memory, rules);
        return new Plan(t, schedule.epochOf(t), unlabeled, gate, admission, PseudoLabels.fromProbabilities(predictions.weak()).label());
    }

    /** Phase (4): L_cls's batch and targets, L_mae's images and masks ({@code CounterRng.of(seed, MASK_STREAM).derive(t)}, row key = sample). */
    public Terms terms(StepViews views, SsmaeAdmission.Admission admission) {
        long t = views.batch().step();
        int[] labeled = views.batch().labeled(), unlabeled = views.batch().unlabeled();
        SsmaeClassificationBatch cls = SsmaeClassificationBatch.assemble(views.labeledWeak(), views.labeledLabels(), views.unlabeledWeak(), admission);
        Tensor targets = cls.oneHotTargets(replica.numClasses());
        Tensor maeImages = concat(views.labeledWeak(), views.unlabeledWeak());
        long[] keys = new long[labeled.length + unlabeled.length];
        for (int i = 0; i < labeled.length; i++) keys[i] = labeled[i];
        for (int i = 0; i < unlabeled.length; i++) keys[labeled.length + i] = unlabeled[i];
        MaeMask mask = MaeMask.draw(CounterRng.of(config.seed(), MASK_STREAM).derive(t), keys, maeConfig.numPatches(), maeConfig.keepCount());
        return new Terms(t, cls, targets, maeImages, mask);
    }

    /**
     * Phase (5): shard s of both terms at θ [P]: rows [⌊s·n/S⌋, ⌊(s+1)·n/S⌋) of each, drop-path from
     * {@code CounterRng.of(seed, DROP_STREAM).derive(t, term, s)} (term 0 = L_cls, 1 = L_mae).
     */
    public ShardResult shard(float[] theta, Terms terms, int s) {
        return shard(theta, slice(terms, s));
    }

    /** Phase (5) on shard s's own rows ({@link #slice}): the same bits as {@link #shard(float[], Terms, int)}. */
    public ShardResult shard(float[] theta, ShardTerms in) {
        int s = in.shard();
        if (s < 0 || s >= config.shards()) throw new IllegalArgumentException("shard " + s + " outside [0, " + config.shards() + ")");
        CounterRng drop = CounterRng.of(config.seed(), DROP_STREAM);
        MaeShardStep.load(replica, theta);
        double cls = in.classificationImages() == null ? 0
                : classificationShard(in, (float) rules.classificationWeight(), drop.derive(in.step(), 0, s));
        double mae = in.maeImages() == null ? 0
                : MaeShardStep.accumulateRows(replica, in.maeImages(), in.maeMasks(), in.maeBatch(), 1f, drop.derive(in.step(), 1, s));
        return new ShardResult(s, replica.parameters().flatGrads().toArray(), cls, mae);
    }

    /** Shard s's rows of both terms (views into {@code terms}; a message carries them compacted). */
    public ShardTerms slice(Terms terms, int s) {
        int shards = config.shards();
        if (s < 0 || s >= shards) throw new IllegalArgumentException("shard " + s + " outside [0, " + shards + ")");
        SsmaeClassificationBatch cls = terms.classification();
        int n = cls.labels().length, from = ShardInput.bound(s, n, shards), to = ShardInput.bound(s + 1, n, shards);
        Tensor clsImages = null, clsTargets = null, clsWeights = null;
        if (from < to) {
            Tensor images = cls.images(), targets = terms.targets(), weights = cls.rowWeights();
            int per = images.size / n, classes = targets.dim(1), rows = to - from;
            clsImages = Tensor.view(images.data, images.offset + from * per, rows, images.dim(1), images.dim(2), images.dim(3));
            clsTargets = Tensor.view(targets.data, targets.offset + from * classes, rows, classes);
            clsWeights = Tensor.view(weights.data, weights.offset + from, rows);
        }
        Tensor mae = terms.maeImages();
        int batch = mae.dim(0), mFrom = ShardInput.bound(s, batch, shards), mTo = ShardInput.bound(s + 1, batch, shards);
        Tensor maeRows = null;
        MaeMask masks = null;
        if (mFrom < mTo) {
            int per = mae.size / batch;
            maeRows = Tensor.view(mae.data, mae.offset + mFrom * per, mTo - mFrom, mae.dim(1), mae.dim(2), mae.dim(3));
            masks = terms.mask().rows(mFrom, mTo);
        }
        return new ShardTerms(terms.step(), s, clsImages, clsTargets, clsWeights, maeRows, masks, batch);
    }

    /** The step's losses from its S shards, added in shard order: L_cls, L_mae, L = L_mae + w_cls·L_cls (R-G7). */
    public record Losses(double classification, double mae, double total) {}

    public static Losses losses(List<ShardResult> shards, SsmaeConfig rules) {
        double cls = 0, mae = 0;
        for (int s = 0; s < shards.size(); s++) {
            ShardResult r = shards.get(s);
            if (r.shard() != s) throw new IllegalArgumentException("shard results out of order: position " + s + " holds shard " + r.shard());
            cls += r.classificationLoss();
            mae += r.maeLoss();
        }
        return new Losses(cls, mae, SsmaeClassificationBatch.totalLoss(mae, cls, rules));
    }

    /** Σ_s g_s [P] in shard order. */
    public static float[] gradient(List<ShardResult> shards) {
        List<float[]> g = new ArrayList<>(shards.size());
        for (ShardResult r : shards) g.add(r.gradient());
        return ShardGradient.sumInShardOrder(g);
    }

    /** Softmax [n, K] of θ on {@code views} in eval mode, over the fixed shards of the rows (R-G6). */
    private Tensor probabilities(float[] theta, Tensor views) {
        MaeShardStep.load(replica, theta);
        int n = views.dim(0), per = views.size / Math.max(n, 1), classes = replica.numClasses();
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
    private double classificationShard(ShardTerms in, float wCls, CounterRng dropRng) {
        int rows = in.classificationImages().dim(0), classes = replica.numClasses();
        in.classificationTargets().requireShape("L_cls shard targets", rows, classes);
        ImageClassifier.Pass pass = replica.forward(in.classificationImages(), ForwardMode.train(dropRng));
        Tensor dLogits = Tensor.zeros(rows, classes);
        double loss = ops.loss().softmaxCrossEntropy(pass.logits(), in.classificationTargets(), in.classificationWeights(), dLogits);
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
}
