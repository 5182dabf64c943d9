package org.semivim.training.ssmae;

import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.InitFrom;
import org.semivim.training.loop.StepListener;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.step.StepViews;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.UpdateBackends;
import org.semivim.training.update.UpdatePhase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    private final TrainConfig config;
    private final TrainingData data;
    private final SsmaeConfig rules;
    private final MaskedAutoencoder model;      // its values are the master θ
    private SsmaeStep phases;                   // the phase functions (own scratch replica), made at the first runStep
    private final Ops ops;
    private final SsmaeBatches batches;
    private final SsmaeSchedule schedule;
    private final AdamWOptimizer adamW;   // on the update backend of the ops (UpdateBackends.of)
    private final UpdatePhase updatePhase;
    private final Path memoryFile;
    private final InitFrom initFrom;
    private final List<StepListener> listeners = new ArrayList<>();
    private PseudoLabelMemory memory;
    private int memoryCorrect;                  // memorised labels equal to the hidden true label (diagnostics)
    private SsmaeGate.Decision gate;            // the current epoch's gate; null before the first step
    private List<PseudoLabelMemory.Memorised> lastAdmitted = List.of();   // written to the memory by the last commit
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
        this.model = SsmaeStep.model(config, ops);
        this.initFrom = config.initFrom() == null ? null : InitFrom.load(model.parameters(), Path.of(config.initFrom()));
        this.ops = ops;
        this.batches = new SsmaeBatches(config, data);
        this.schedule = batches.schedule();
        this.adamW = UpdateBackends.of(ops).adamW(model.parameters(), config.weightDecay(), Set.of());
        this.updatePhase = new UpdatePhase(LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps()),
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

    /** Runs step {@link #nextStep()} and returns its record: the phases of {@link SsmaeStep} in order, then {@link #commit}. */
    public StepRecord runStep() {
        long t = nextStep, epoch = schedule.epochOf(t);
        float[] theta = model.parameters().flatValues().data;
        if (phases == null) phases = new SsmaeStep(config, data, ops);   // not needed when only commit is used (the actor runtime's supervisor)
        SsmaeGate.Decision stepGate = phases.decidesGate(t, gate) ? phases.gate(theta, epoch) : gate;           // (0)
        StepViews views = phases.views(batches.batch(t));                                                      // (1), (2)
        SsmaeStep.Plan plan = phases.plan(views, phases.predict(theta, views), stepGate, memory::labelOf);      // (3)
        SsmaeStep.Terms terms = phases.terms(views, plan.admission());                                         // (4)
        List<SsmaeStep.ShardResult> shards = new ArrayList<>();                                                // (5)
        for (int s = 0; s < config.shards(); s++) shards.add(phases.shard(theta, terms, s));
        return commit(plan, shards);                                                                           // (6), (7)
    }

    /**
     * Phases (6)–(7) of step {@link #nextStep()}, on the master state: the plan's gate becomes the epoch's
     * gate, its new admissions are written to the memory, the S shard results (in shard order) are summed
     * and applied (clip, AdamW), and the step record is built and sent to the listeners.
     */
    public StepRecord commit(SsmaeStep.Plan plan, List<SsmaeStep.ShardResult> shards) {
        long t = nextStep, epoch = schedule.epochOf(t);
        if (plan.step() != t) throw new IllegalArgumentException("SSMAE plan of step " + plan.step() + " committed at step " + t);
        if (shards.size() != config.shards()) throw new IllegalArgumentException(shards.size() + " shard results, the config has " + config.shards());
        gate = plan.gate();
        SsmaeAdmission.Admission admission = plan.admission();
        List<PseudoLabelMemory.Memorised> written = new ArrayList<>();
        int admitted = SsmaeAdmission.commit(admission, (sample, label, confidence, e) -> {
            boolean added = memory.admit(sample, label, confidence, e);
            if (added) written.add(new PseudoLabelMemory.Memorised(sample, label, confidence, e));
            return added;
        }, epoch);
        lastAdmitted = List.copyOf(written);
        int admittedCorrect = 0, pairsCorrect = 0;
        for (SsmaeAdmission.PseudoPair p : admission.pairs()) {
            boolean right = p.label() == data.train().label(p.sampleIndex());     // hidden true label, diagnostics only
            if (right) pairsCorrect++;
            if (p.newlyAdmitted() && right) admittedCorrect++;
        }
        memoryCorrect += admittedCorrect;

        SsmaeStep.Losses losses = SsmaeStep.losses(shards, rules);
        float[] theta = model.parameters().flatValues().data;
        UpdatePhase.Outcome outcome = updatePhase.apply(t, SsmaeStep.gradient(shards), losses.total(), theta, null);   // (6)
        nextStep = t + 1;

        int[] unlabeled = plan.unlabeled(), weakLabels = plan.weakArgmax();                                    // (7)
        int pairs = admission.size();
        int argmaxCorrect = 0;
        for (int i = 0; i < unlabeled.length; i++) if (weakLabels[i] == data.train().label(unlabeled[i])) argmaxCorrect++;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("loss_mae", losses.mae());
        fields.put("loss_cls", losses.classification());
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
        StepRecord record = new StepRecord(t, epoch + stepInEpoch, outcome.lr(), losses.total(), losses.classification(), Double.NaN,
                (double) pairs / unlabeled.length, pairs == 0 ? Double.NaN : (double) pairsCorrect / pairs,
                (double) argmaxCorrect / unlabeled.length, outcome.gradNorm(), outcome.skipped(), fields);
        for (StepListener l : listeners) l.onStep(record);
        return record;
    }

    // ---- state ----------------------------------------------------------------------------

    public long nextStep() {
        return nextStep;
    }

    public TrainConfig config() {
        return config;
    }

    /** The numerics backend of the model (the periodic evaluation runs on it too). */
    public Ops ops() {
        return ops;
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

    /** The memory entries the last {@link #commit} wrote (empty before the first step and after a restore). */
    public List<PseudoLabelMemory.Memorised> lastAdmitted() {
        return lastAdmitted;
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
        adamW.backend().hostWritten(values);
        openFreshMemory(entries);
        gate = restoredGate;
        lastAdmitted = List.of();
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
