package org.semivim.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.EvaluationRecord;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MetricsReporter's periodic evaluation (no actor, no messages): the loop's {@link
 * PeriodicEvaluator} over the parameters the supervisor sends after each due commit, its records in
 * {@code eval.jsonl}, the best in {@code best.safetensors}, and its state as an {@link Snapshot} for
 * the checkpoints, exactly as the reference runtime writes them.
 */
public final class EvaluationLog implements AutoCloseable {
    static final String EVAL_FILE = "eval.jsonl", BEST_FILE = "best.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The evaluator's checkpoint part: its JSON state ({@link PeriodicEvaluator#state()}) and the best
     * parameters' tensors ({@link PeriodicEvaluator#tensors()}: names [n], tensors [n]).
     */
    public record Snapshot(String state, String[] names, Tensor[] tensors) {

        static Snapshot of(PeriodicEvaluator evaluator) {
            Map<String, Tensor> t = evaluator.tensors();
            return new Snapshot(JSON.valueToTree(evaluator.state()).toString(), t.keySet().toArray(String[]::new), t.values().toArray(Tensor[]::new));
        }

        /** The evaluator part of a checkpoint, or null when it has none. */
        static Snapshot of(Checkpoint c) {
            JsonNode state = c.state().get(TrainCheckpoints.EVALUATION_KEY);
            if (state == null) return null;
            Map<String, Tensor> best = new LinkedHashMap<>();
            c.tensors().forEach((name, t) -> {
                if (name.startsWith(PeriodicEvaluator.BEST_GROUP)) best.put(name, t);
            });
            return new Snapshot(state.toString(), best.keySet().toArray(String[]::new), best.values().toArray(Tensor[]::new));
        }

        Map<String, Tensor> tensorMap() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) m.put(names[i], tensors[i]);
            return m;
        }

        JsonNode stateTree() {
            try {
                return JSON.readTree(state);
            } catch (IOException e) {
                throw new IllegalArgumentException("evaluation state is not JSON: " + e.getMessage(), e);
            }
        }
    }

    private final TrainConfig config;
    private final PeriodicEvaluator evaluator;
    private final MetricsLog log;
    private long step;
    private float[] student, teacher;   // [P] the parameters being evaluated

    /** Opens the log to continue from the checkpoint of {@code start} (its evaluator part {@code saved}, or null); evaluates on {@code ops}. */
    EvaluationLog(TrainConfig config, TrainingData data, PeriodicEvaluation options, Path runDir, long start, Snapshot saved, Ops ops)
            throws IOException {
        this.config = config;
        this.step = start;
        PeriodicEvaluator.Source source = new PeriodicEvaluator.Source() {
            @Override public TrainConfig config() { return config; }
            @Override public long nextStep() { return step; }
            @Override public float[] studentParameters() { return student; }
            @Override public float[] teacherParameters() { return teacher; }
            @Override public Ops ops() { return ops; }
        };
        this.evaluator = new PeriodicEvaluator(source, data, config.evalEvery(), options.batch(), options.testSchedule(), runDir.resolve(BEST_FILE));
        if (saved != null) evaluator.restore(saved.stateTree(), saved.tensorMap());
        // as the reference runtime: lines up to the checkpoint stay; at the end the final evaluation runs again
        this.log = MetricsLog.resume(runDir.resolve(EVAL_FILE), atEnd(start) ? start - 1 : start);
        evaluator.addListener(r -> {
            try {
                log.append(r.step(), r.toFields());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append the evaluation of step " + r.step() + " to " + log.file(), e);
            }
        });
        if (options.listener() != null) evaluator.addListener(options.listener());
    }

    /** Whether {@code run} evaluates periodically: asked to, with a run directory, and not SSMAE (as in the reference runtime). */
    static boolean enabled(RunContext run) {
        return run.options().evaluation() != null && run.options().runDirectory() != null
                && run.config().method() != org.semivim.training.config.Method.SSMAE;
    }

    boolean atEnd(long committed) {
        return committed >= config.steps();
    }

    /** Whether the loop evaluates after {@code committed} steps. */
    static boolean due(TrainConfig config, long committed) {
        return committed > 0 && (committed % config.evalEvery() == 0 || committed == config.steps());
    }

    /** Evaluates θS, θT [P] after {@code committed} steps, appending its line(s). */
    EvaluationRecord evaluate(long committed, float[] student, float[] teacher) {
        this.step = committed;
        this.student = student;
        this.teacher = teacher;
        return evaluator.evaluateNow();
    }

    Snapshot snapshot() {
        return Snapshot.of(evaluator);
    }

    void sync() throws IOException {
        log.sync();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
