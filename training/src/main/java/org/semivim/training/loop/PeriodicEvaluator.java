package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.DatasetInference;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.eval.Evaluator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluation inside the reference loop (docs/training-loop.md, "Evaluation in the loop"): a
 * {@link StepListener} that, after every {@code eval_every}-th step and after the last one,
 * evaluates the student and the teacher on the validation split (and on the test set, as
 * {@link TestSchedule} says), keeps the best point by the PRIMARY model's validation top-1
 * (the teacher when the method has one; ssl-spec.md §1.4, R-L11 — never the test set) with that
 * model's parameters, and hands an {@link EvaluationRecord} to its listeners.
 *
 * <p>It reads copies of θS and θT and runs them on its own model replicas in eval mode, so it
 * cannot change the training trajectory. Its state (the best point and its parameters) goes into
 * the run's checkpoints ({@link TrainCheckpoints#save(org.semivim.training.checkpoint.CheckpointStore,
 * ReferenceTrainer, PeriodicEvaluator)}), so a resumed run keeps the best found before the resume.
 */
public final class PeriodicEvaluator implements StepListener {
    /** When the test set is evaluated. */
    public enum TestSchedule {
        /** at every evaluation, like the validation split */
        EVERY_EVALUATION,
        /** only at the end: the final student and teacher, and the best-by-validation parameters */
        END_ONLY
    }

    /** Receives each evaluation record (the eval JSONL, a progress line, a test). */
    @FunctionalInterface
    public interface Listener {
        void onEvaluation(EvaluationRecord record);
    }

    /**
     * What the evaluator reads from a trainer: its config (model, steps, seed, method), the steps run so
     * far, and copies of the classifier's parameters θS and θT (null without a teacher), both laid out as
     * {@code config.model()}. {@link ReferenceTrainer} is one ({@link #of}); a trainer of another shape
     * (SSMAE's encoder + decoder) adapts by handing out its classifier's parameters.
     */
    public interface Source {
        TrainConfig config();

        long nextStep();

        float[] studentParameters();

        float[] teacherParameters();

        /** The backend the evaluator's forwards run on: the trainer's ops (the run's device); the CPU unless said otherwise. */
        default Ops ops() {
            return Ops.cpu();
        }

        static Source of(ReferenceTrainer t) {
            return new Source() {
                @Override
                public Ops ops() {
                    return t.ops();
                }

                @Override
                public TrainConfig config() {
                    return t.config();
                }

                @Override
                public long nextStep() {
                    return t.nextStep();
                }

                @Override
                public float[] studentParameters() {
                    return t.studentParameters();
                }

                @Override
                public float[] teacherParameters() {
                    return t.teacherParameters();
                }
            };
        }
    }

    /** The best-by-validation point: its step, evaluations and the primary model's parameters [P]. */
    public record Best(long step, Evaluation validation, Evaluation test, float[] parameters) {
        public Best {
            parameters = parameters.clone();
        }

        @Override
        public float[] parameters() {
            return parameters.clone();
        }
    }

    /** Tensor group of the best parameters in a checkpoint. */
    public static final String BEST_GROUP = "best/";
    public static final String STUDENT = "student", TEACHER = "teacher";

    private final Source trainer;
    private final long every;
    private final int batchSize;
    private final TestSchedule testSchedule;
    private final Path bestFile;                  // best.safetensors of the run dir, or null
    private final Evaluator evaluator;
    private final ImageClassifier model;          // replica the evaluated parameters are copied into
    private final TrainingData data;
    private final BatchAugmenter trainViews, testViews;
    private final int[] validationIndices, testIndices;
    private final String primary;
    private final List<Listener> listeners = new ArrayList<>();
    private Best best;
    private EvaluationRecord last;

    /**
     * @param every     evaluate after steps every, 2·every, … (and after the last step): the config's eval_every
     * @param batchSize images per forward pass
     * @param bestFile  where to write the best parameters (safetensors, official names) whenever the best changes; null for none
     */
    public PeriodicEvaluator(ReferenceTrainer trainer, TrainingData data, long every, int batchSize, TestSchedule testSchedule, Path bestFile) {
        this(Source.of(trainer), data, every, batchSize, testSchedule, bestFile);
    }

    /** As above, for any {@link Source}. */
    public PeriodicEvaluator(Source trainer, TrainingData data, long every, int batchSize, TestSchedule testSchedule, Path bestFile) {
        if (every < 1) throw new IllegalArgumentException("eval_every must be >= 1, got " + every);
        if (batchSize < 1) throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + batchSize);
        TrainConfig config = trainer.config();
        this.trainer = trainer;
        this.every = every;
        this.batchSize = batchSize;
        this.testSchedule = testSchedule;
        this.bestFile = bestFile;
        this.data = data;
        this.evaluator = new Evaluator(data.split().protocol().labeledCounts());
        this.model = config.model().create(trainer.ops(), config.seed());   // the run's device
        FixMatchAugment augment = new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(data.train().height()));
        this.trainViews = new BatchAugmenter(data.train(), augment, Normalization.fashionMnist());   // EVAL view only: no draws
        this.testViews = new BatchAugmenter(data.test(), augment, Normalization.fashionMnist());
        this.validationIndices = data.split().validation();
        this.testIndices = DatasetInference.allIndices(data.test());
        this.primary = config.method().hasTeacher() ? TEACHER : STUDENT;
        if (validationIndices.length == 0) throw new IllegalArgumentException("the split has no validation samples to select a model on");
    }

    /** With the config's eval_every, batch 16 (small batches were faster per image, docs/benchmarks.md), the test set at every evaluation, no best file. */
    public PeriodicEvaluator(ReferenceTrainer trainer, TrainingData data) {
        this(trainer, data, trainer.config().evalEvery(), 16, TestSchedule.EVERY_EVALUATION, null);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void onStep(StepRecord record) {
        long done = record.step() + 1;
        if (done % every == 0 || done == trainer.config().steps()) evaluateNow();
    }

    /** Whether step index {@code step} (0-based) is followed by an evaluation. */
    public boolean evaluatesAfter(long step) {
        return (step + 1) % every == 0 || step + 1 == trainer.config().steps();
    }

    /**
     * Evaluates the trainer's current parameters, updates the best point and notifies the listeners;
     * at the last step also evaluates the best parameters on the test set (when the schedule left that
     * undone) and emits the {@link EvaluationRecord#BEST} record.
     */
    public EvaluationRecord evaluateNow() {
        long step = trainer.nextStep();
        boolean end = step >= trainer.config().steps();
        boolean withTest = testSchedule == TestSchedule.EVERY_EVALUATION || end;
        Map<String, float[]> roles = new LinkedHashMap<>();
        roles.put(STUDENT, trainer.studentParameters());
        float[] teacher = trainer.teacherParameters();
        if (teacher != null) roles.put(TEACHER, teacher);
        Map<String, Evaluation> validation = new LinkedHashMap<>(), test = new LinkedHashMap<>();
        for (var role : roles.entrySet()) {
            validation.put(role.getKey(), evaluate(role.getValue(), false));
            if (withTest) test.put(role.getKey(), evaluate(role.getValue(), true));
        }
        Evaluation candidate = validation.get(primary);
        if (best == null || candidate.top1() > best.validation().top1()) {   // ties keep the earlier point
            best = new Best(step, candidate, test.get(primary), roles.get(primary));
            writeBestFile();
        }
        last = new EvaluationRecord(EvaluationRecord.PERIODIC, step, primary, validation, test, best.step(), best.validation().top1());
        for (Listener l : listeners) l.onEvaluation(last);
        if (end) {
            if (best.test() == null) best = new Best(best.step(), best.validation(), evaluate(best.parameters, true), best.parameters);
            EvaluationRecord summary = new EvaluationRecord(EvaluationRecord.BEST, step, primary, Map.of(primary, best.validation()),
                    Map.of(primary, best.test()), best.step(), best.validation().top1());
            for (Listener l : listeners) l.onEvaluation(summary);
        }
        return last;
    }

    /** {@code parameters} [P] on the test set or the validation split (images of the training set). */
    private Evaluation evaluate(float[] parameters, boolean onTest) {
        float[] values = model.parameters().flatValues().data;
        if (parameters.length != values.length) {
            throw new IllegalStateException("the trainer has " + parameters.length + " parameters, the evaluated model " + values.length);
        }
        System.arraycopy(parameters, 0, values, 0, values.length);
        return onTest ? DatasetInference.evaluate(model, data.test(), testViews, testIndices, batchSize, evaluator)
                : DatasetInference.evaluate(model, data.train(), trainViews, validationIndices, batchSize, evaluator);
    }

    /** The best point so far (by the primary model's validation top-1), if any evaluation ran. */
    public Optional<Best> best() {
        return Optional.ofNullable(best);
    }

    /** The latest periodic record, if any. */
    public Optional<EvaluationRecord> last() {
        return Optional.ofNullable(last);
    }

    /** "teacher" or "student": the model whose validation top-1 selects the best point. */
    public String primary() {
        return primary;
    }

    // ---- checkpoint state ---------------------------------------------------------------------

    /** The JSON part of this evaluator's state: the best point's step and evaluations (empty before any evaluation). */
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("primary", primary);
        if (best != null) {
            m.put("best_step", best.step());
            m.put("best_validation", best.validation());
            if (best.test() != null) m.put("best_test", best.test());
        }
        return m;
    }

    /** The best parameters as tensors named {@code best/<param>} (none before any evaluation). */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (best == null) return out;
        for (Parameter p : model.parameters().parameters()) {
            out.put(BEST_GROUP + p.name(), Tensor.wrap(Arrays.copyOfRange(best.parameters, p.offset(), p.offset() + p.size()), p.shape()));
        }
        return out;
    }

    /**
     * Continues from a checkpoint's {@link #state()} and {@link #tensors()} (both may be empty: no
     * evaluation before it); rewrites the best file so it matches the restored best.
     */
    public void restore(JsonNode state, Map<String, Tensor> tensors) {
        if (state == null || !state.isObject()) throw new IllegalArgumentException("evaluation state must be a JSON object, got " + state);
        if (!primary.equals(state.path("primary").asText())) {
            throw new IllegalArgumentException("evaluation state is for the " + state.path("primary").asText() + ", this run selects on the " + primary);
        }
        if (!state.has("best_step")) {
            if (!tensors.isEmpty()) throw new IllegalArgumentException("evaluation state has best parameters but no best step");
            best = null;
            return;
        }
        ParameterSet layout = model.parameters();
        float[] flat = new float[layout.count()];
        for (Parameter p : layout.parameters()) {
            Tensor t = tensors.get(BEST_GROUP + p.name());
            if (t == null) throw new IllegalArgumentException("evaluation state lacks tensor '" + BEST_GROUP + p.name() + "'");
            t.requireShape("evaluation state tensor '" + BEST_GROUP + p.name() + "'", p.shape());
            System.arraycopy(t.data, t.offset, flat, p.offset(), p.size());
        }
        if (tensors.size() != layout.parameters().size()) {
            throw new IllegalArgumentException("evaluation state has " + tensors.size() + " best tensors, the model " + layout.parameters().size());
        }
        Evaluation validation = Evaluation.fromJson(state.get("best_validation").toString());
        Evaluation test = state.has("best_test") ? Evaluation.fromJson(state.get("best_test").toString()) : null;
        best = new Best(state.get("best_step").asLong(), validation, test, flat);
        writeBestFile();
    }

    private void writeBestFile() {
        if (bestFile == null) return;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : model.parameters().parameters()) {
            tensors.put(p.name(), Tensor.wrap(Arrays.copyOfRange(best.parameters, p.offset(), p.offset() + p.size()), p.shape()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(best.step()));
        meta.put("model", primary);
        meta.put("validation_top1", Double.toString(best.validation().top1()));
        meta.put("config_hash", trainer.config().hash());
        try {
            Safetensors.write(bestFile, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the best parameters to " + bestFile, e);
        }
    }
}
