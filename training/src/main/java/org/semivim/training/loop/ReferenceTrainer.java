package org.semivim.training.loop;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.BatchAssembler;
import org.semivim.data.sampling.BatchPlan;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.method.Composition;
import org.semivim.training.method.LossComposer;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;
import org.semivim.training.step.TeacherInference;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.UpdateBackend;
import org.semivim.training.update.UpdateBackends;
import org.semivim.training.update.UpdatePhase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The single-process reference loop: runs any supported method step by step from a
 * {@link TrainConfig}, in the phases the actors of ARCHITECTURE.md will run separately —
 * <ol>
 *   <li>batch of step t from the samplers (DataLoader);</li>
 *   <li>weak/strong views at (seed, t, sample, view) (Augmenter);</li>
 *   <li>pseudo-labels from θT_{t−1} (FixMatch: θS_{t−1}), eval mode (TeacherInference);</li>
 *   <li>the method's loss terms;</li>
 *   <li>gradients of the S fixed shards, summed in shard order (StudentTrainers);</li>
 *   <li>clip, Adam direction once, the method's update (LyapunovSupervisor);</li>
 *   <li>the step record to the listeners (MetricsReporter).</li>
 * </ol>
 * The teacher starts as an exact copy of the initial student. Nothing here depends on the thread
 * count, so the parameters after N steps are the same bits on any machine with the same config.
 */
public final class ReferenceTrainer {
    private final TrainConfig config;
    private final TrainingData data;
    private final Ops ops;
    private final ImageClassifier student;          // its values are the master θS
    private final float[] teacher;                  // [P] master θT; null without a teacher
    private final ShardGradient shardGradient;
    private final TeacherInference teacherInference;
    private final BatchAssembler assembler;
    private final BatchAugmenter augmenter;
    private final LossComposer composer;
    private final UpdatePhase updatePhase;
    private final List<StepListener> listeners = new ArrayList<>();
    private final int[] frozenRanges;               // [2·k] start, end of each frozen parameter in the flat arrays
    private final InitFrom initFrom;                // the init_from load, or null
    private long nextStep;

    public ReferenceTrainer(TrainConfig config, TrainingData data) {
        this(config, data, Ops.cpu());
    }

    public ReferenceTrainer(TrainConfig config, TrainingData data, Ops ops) {
        this(config, data, ops, null, Set.of());
    }

    /**
     * A trainer whose student starts from {@code initialStudent} [P] (null: the config's own
     * initialisation), e.g. pretrained or fine-tuned weights; the teacher starts as a copy of it.
     * Parameters named in {@code frozen} are never updated (AdamW skips them) and their gradient
     * entries are zeroed before clipping, as if they had no gradient (torch {@code requires_grad=False}).
     * The parameter updates run on the update backend bound to {@code ops} ({@link UpdateBackends#of}).
     */
    public ReferenceTrainer(TrainConfig config, TrainingData data, Ops ops, float[] initialStudent, Set<String> frozen) {
        this(config, data, ops, UpdateBackends.of(ops), initialStudent, frozen);
    }

    /** As above, with the parameter updates (AdamW, teacher EMA, LyapEMA) on {@code updates}. */
    public ReferenceTrainer(TrainConfig config, TrainingData data, Ops ops, UpdateBackend updates, float[] initialStudent, Set<String> frozen) {
        this.config = config;
        this.data = data;
        this.ops = ops;
        this.student = config.model().create(ops, config.seed());
        this.initFrom = config.initFrom() == null ? null : InitFrom.load(student.parameters(), java.nio.file.Path.of(config.initFrom()));
        if (initialStudent != null) {
            float[] values = student.parameters().flatValues().data;
            if (initialStudent.length != values.length) {
                throw new IllegalArgumentException("initial student has " + initialStudent.length + " values, the model " + values.length);
            }
            System.arraycopy(initialStudent, 0, values, 0, values.length);
        }
        this.frozenRanges = frozenRanges(student.parameters(), frozen);
        ImageClassifier replica = config.model().create(ops, config.seed());   // scratch for shards and teacher forwards
        this.teacher = config.method().hasTeacher() ? student.parameters().flatValues().toArray() : null;
        this.shardGradient = new ShardGradient(replica, ops, updates);
        this.teacherInference = new TeacherInference(replica, updates);   // shares the replica (resident on a device)
        this.assembler = BatchAssembler.forSplit(new BatchPlan(config.labeledBatch(), config.muRatio(), config.shards()), data.split(),
                config.seed());
        int size = data.train().height();
        this.augmenter = new BatchAugmenter(data.train(), new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(size)),
                Normalization.fashionMnist());
        this.composer = MethodSetup.composer(config, student.numClasses());
        AdamWOptimizer adamW = updates.adamW(student.parameters(), config.weightDecay(), frozen);
        LrSchedule schedule = LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps());
        this.updatePhase = new UpdatePhase(schedule, config.clip(),
                MethodSetup.update(config, adamW, student.parameters().flatValues().data, teacher));
    }

    public void addListener(StepListener listener) {
        listeners.add(listener);
    }

    /** Runs steps until {@code config.steps()} have been run. */
    public void run() {
        while (nextStep < config.steps()) runStep();
    }

    /** Runs the next {@code n} steps. */
    public void run(long n) {
        for (long i = 0; i < n; i++) runStep();
    }

    /** Runs step {@link #nextStep()}, commits it, notifies the listeners and returns every phase's output. */
    public StepTrace runStep() {
        long t = nextStep;
        StepBatch batch = assembler.batch(t);                                                   // (1)
        StepViews views = StepViews.render(augmenter, data.train(), batch, config.method().usesUnlabeled());  // (2)
        PseudoLabels predictions = predict(views);                                        // (3)
        Composition composition = composer.compose(views, predictions);                        // (4)
        float[] studentValues = student.parameters().flatValues().data;
        List<float[]> shardGradients = new ArrayList<>();                                       // (5)
        double loss = 0, lossLabeled = 0, lossUnlabeled = 0;      // L = Σ_terms weight·share; L_x, L_u unweighted
        for (ShardInput shard : ShardInput.split(config.seed(), t, composition.terms(), config.shards())) {
            ShardGradient.Result r = shardGradient.compute(studentValues, shard);
            shardGradients.add(r.gradient());
            for (int i = 0; i < shard.terms().size(); i++) {
                LossTerm term = shard.terms().get(i);
                double share = r.termLosses()[i];
                loss += term.lossWeight() * share;
                if (term.kind() == LossTerm.Kind.LABELED) lossLabeled += share;
                else lossUnlabeled += share;
            }
        }
        float[] gradient = ShardGradient.sumInShardOrder(shardGradients);
        for (int r = 0; r < frozenRanges.length; r += 2) Arrays.fill(gradient, frozenRanges[r], frozenRanges[r + 1], 0f);
        float[] unclipped = gradient.clone();
        UpdatePhase.Outcome outcome = updatePhase.apply(t, gradient, loss, studentValues, teacher);   // (6)
        nextStep = t + 1;
        StepRecord record = record(t, batch, predictions, composition, loss, lossLabeled, lossUnlabeled, outcome);  // (7)
        for (StepListener l : listeners) l.onStep(record);
        return new StepTrace(batch, predictions, composition, unclipped, outcome, record);
    }

    private static int[] frozenRanges(ParameterSet params, Set<String> frozen) {
        List<Integer> r = new ArrayList<>();
        int offset = 0;
        for (Parameter p : params.parameters()) {
            if (frozen.contains(p.name())) {
                r.add(offset);
                r.add(offset + p.value().size);
            }
            offset += p.value().size;
        }
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Phase (3): θT_{t−1} for EMA-Teacher (and LyapEMA), θS_{t−1} for FixMatch; none for supervised. */
    private PseudoLabels predict(StepViews views) {
        if (!config.method().usesUnlabeled()) return new PseudoLabels(new float[0], new int[0], student.numClasses());
        float[] source = config.method().pseudoLabelsFromTeacher() ? teacher : student.parameters().flatValues().data;
        return teacherInference.predict(source, views.unlabeledWeak(), config.shards());
    }

    private StepRecord record(long t, StepBatch batch, PseudoLabels predictions, Composition composition,
                              double loss, double lossLabeled, double lossUnlabeled, UpdatePhase.Outcome outcome) {
        return TrainerBookkeeping.stepRecord(t, assembler.labeledEpoch(t), data.train(), batch.unlabeled(), predictions, composition.mask(),
                loss, lossLabeled, lossUnlabeled, outcome);
    }

    // ---- state ----------------------------------------------------------------------------

    /** The number of steps run so far = the next step to run. */
    public long nextStep() {
        return nextStep;
    }

    public TrainConfig config() {
        return config;
    }

    /** The numerics backend the trainer's models run on (the periodic evaluation uses it too). */
    public Ops ops() {
        return ops;
    }

    /** What {@code init_from} loaded into the initial student (before the teacher copy), or null without it. */
    public InitFrom initFrom() {
        return initFrom;
    }

    /** The student model; its parameter values are the live θS (do not change them). */
    public ImageClassifier student() {
        return student;
    }

    /** A copy of θS [P]. */
    public float[] studentParameters() {
        return student.parameters().flatValues().toArray();
    }

    /** A copy of θT [P], or null for a method without a teacher. */
    public float[] teacherParameters() {
        return teacher == null ? null : teacher.clone();
    }

    /** A snapshot of everything a resume needs. */
    public TrainState state() {
        return new TrainState(config.hash(), nextStep, nextStep * config.labeledBatch(), nextStep * config.unlabeledBatch(),
                studentParameters(), teacher, updatePhase.optimizer().state(), updatePhase.parameterUpdate().state());
    }

    /** Continues from {@code state} as if this trainer had run its steps itself. */
    public void restore(TrainState state) {
        TrainerBookkeeping.restore(state, config, student.parameters().flatValues().data, teacher, updatePhase.parameterUpdate());
        nextStep = state.step();
    }
}
