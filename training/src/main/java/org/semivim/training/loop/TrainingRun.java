package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One training run in its own directory, resumable (docs/training-loop.md, "Run directory"):
 * <pre>
 *   config.json        the canonical config; a directory holding another config is refused
 *   metrics.jsonl      one line per step (StepRecord)
 *   eval.jsonl         one line per evaluation ("type": "eval"), and the "best" line at the end
 *   best.safetensors   the best-by-validation parameters of the primary model (official names)
 *   checkpoints/       train state + evaluator state, every checkpoint_every steps and after the last
 *   result.json        written last, when the run is complete: final and best evaluations, method state
 *   ssmae/             SSMAE only: the trainer's work files (its Chronicle pseudo-label memory; the checkpoints hold the memory)
 * </pre>
 * Every method runs: the reference trainer's, and SSMAE through its own trainer ({@link RunTrainer}), whose
 * classifier (ViT encoder + head) is what the evaluator sees; SSMAE has no teacher, so its student is primary.
 * {@link #run} skips a run whose result.json exists, resumes an unfinished one from its newest good
 * checkpoint (logs cut back to it), and otherwise starts from step 0.
 */
public final class TrainingRun {
    public static final String CONFIG = "config.json", METRICS = "metrics.jsonl", EVAL = "eval.jsonl", BEST = "best.safetensors",
            RESULT = "result.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param checkpointEvery steps between checkpoints (the last step always gets one)
     * @param evalBatch       images per evaluation forward pass
     * @param testSchedule    when the evaluator runs the test set
     */
    public record Options(long checkpointEvery, int evalBatch, PeriodicEvaluator.TestSchedule testSchedule) {
        public Options {
            if (checkpointEvery < 1) throw new IllegalArgumentException("checkpoint_every must be >= 1, got " + checkpointEvery);
            if (evalBatch < 1) throw new IllegalArgumentException("evaluation batch must be >= 1, got " + evalBatch);
        }
    }

    /**
     * What {@link #run} did.
     *
     * @param status      FINISHED_BEFORE (skipped), RESUMED (from {@code startStep}) or STARTED
     * @param startStep   the step training started or resumed at (the config's steps when skipped)
     * @param result      the run's result.json
     */
    public record Outcome(Status status, long startStep, JsonNode result) {}

    public enum Status { FINISHED_BEFORE, RESUMED, STARTED }

    private TrainingRun() {}

    /** Whether {@code dir} holds a complete run (its result.json). */
    public static boolean finished(Path dir) {
        return Files.isRegularFile(dir.resolve(RESULT));
    }

    /** Runs (or resumes, or skips) {@code config} in {@code dir}; {@code progress} sees every step record (may be null). */
    public static Outcome run(Path dir, TrainConfig config, TrainingData data, Options options, StepListener progress) throws IOException {
        Files.createDirectories(dir);
        requireSameConfig(dir, config);
        if (finished(dir)) return new Outcome(Status.FINISHED_BEFORE, config.steps(), JSON.readTree(dir.resolve(RESULT).toFile()));

        try (RunTrainer trainer = RunTrainer.open(config, data, dir)) {
            PeriodicEvaluator evaluator = new PeriodicEvaluator(trainer.source(), data, config.evalEvery(), options.evalBatch(),
                    options.testSchedule(), dir.resolve(BEST));
            CheckpointStore store = new CheckpointStore(dir);
            Optional<LoadResult> resumed = trainer.resume(store, evaluator);
            long start = trainer.nextStep();
            long started = System.nanoTime();
            // step lines carry the 0-based step index (< start were run); eval lines the steps done (≤ start were evaluated).
            // Resumed from the final checkpoint (a crash before result.json): the final evaluation is run again, so its lines go.
            boolean atEnd = start >= config.steps();
            try (MetricsLog metrics = MetricsLog.resume(dir.resolve(METRICS), start - 1);
                 MetricsLog evals = MetricsLog.resume(dir.resolve(EVAL), atEnd ? start - 1 : start)) {
                trainer.addListener(new MetricsLogListener(metrics));
                trainer.addListener(evaluator);
                if (progress != null) trainer.addListener(progress);
                evaluator.addListener(r -> append(evals, r));
                while (trainer.nextStep() < config.steps()) {
                    trainer.runStep();
                    long done = trainer.nextStep();
                    if (done % options.checkpointEvery() == 0 || done == config.steps()) {
                        metrics.sync();
                        evals.sync();
                        trainer.save(store, evaluator);
                    }
                }
                if (atEnd) evaluator.evaluateNow();   // same parameters, same evaluations: the best point stays as restored
            }
            Map<String, Object> result = result(config, trainer, evaluator, start, (System.nanoTime() - started) / 1e9);
            writeAtomically(dir.resolve(RESULT), JSON.writeValueAsBytes(result));
            return new Outcome(resumed.isPresent() ? Status.RESUMED : Status.STARTED, start, JSON.readTree(dir.resolve(RESULT).toFile()));
        }
    }

    private static Map<String, Object> result(TrainConfig config, RunTrainer trainer, PeriodicEvaluator evaluator, long start,
                                              double seconds) {
        EvaluationRecord last = evaluator.last().orElseThrow(() -> new IllegalStateException("the run ended without an evaluation"));
        PeriodicEvaluator.Best best = evaluator.best().orElseThrow();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", config.method().configName());
        m.put("config_hash", config.hash());
        m.put("steps", trainer.nextStep());
        m.put("primary", evaluator.primary());
        m.put("final", last.toFields());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("step", best.step());
        b.put("validation", best.validation());
        b.put("test", best.test());
        m.put("best", b);
        m.put("method_state", trainer.methodState());
        m.put("resumed_at", start);
        m.put("seconds_since_resume", seconds);
        return m;
    }

    private static void append(MetricsLog log, EvaluationRecord record) {
        try {
            log.append(record.step(), record.toFields());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot append the evaluation of step " + record.step() + " to " + log.file(), e);
        }
    }

    private static void requireSameConfig(Path dir, TrainConfig config) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (Files.exists(file)) {
            TrainConfig existing;
            try {
                existing = TrainConfig.fromJson(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("run directory " + dir + ": " + CONFIG + " is not a valid config: " + e.getMessage(), e);
            }
            if (!existing.hash().equals(config.hash())) {
                throw new IllegalArgumentException("run directory " + dir + " holds a run of another config (" + existing.hash() + ", this one "
                        + config.hash() + "); use another directory");
            }
            return;
        }
        writeAtomically(file, config.canonicalJson().getBytes(StandardCharsets.UTF_8));
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
