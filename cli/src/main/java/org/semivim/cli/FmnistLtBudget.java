package org.semivim.cli;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.engine.models.ForwardMode;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainingData;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.training.config.Method;
import org.semivim.training.ssmae.SsmaeTrainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * How {@code bench fmnist-lt --measure K} chooses a step budget: it times K steps of every method
 * (after one untimed step) with the mask forced full (tau 0: every unlabeled row trains, the most
 * expensive step a method has) and the evaluation forward pass per image, and solves
 * <pre>
 *   target = N · Σ_m step_m + Σ_m images_m · eval_image_m
 *   images_m = roles_m · (E · |validation| + |test|) + |test|      (E evaluations; the best point's test pass)
 * </pre>
 * for N (roles: 2 with a teacher, 1 without). The arithmetic is printed; docs/benchmarks.md records a run.
 */
final class FmnistLtBudget {
    private FmnistLtBudget() {}

    /**
     * Median seconds per step of each config (every unlabeled row trains: tau forced to 0; SSMAE's gate open from
     * epoch 0 with confidence 0, so every unlabeled row is admitted) over {@code steps} steps after one warm-up step,
     * the methods taking turns step by step so that a change in the machine's load hits them alike; NaN for a
     * config whose trainer refuses the method (the refusal is printed).
     */
    static double[] secondsPerStep(List<TrainConfig> configs, TrainingData data, int steps, PrintWriter out) throws IOException {
        List<Runnable> trainers = new ArrayList<>();
        List<AutoCloseable> open = new ArrayList<>();
        Path work = Files.createTempDirectory("semivim-budget-");
        try {
            for (TrainConfig config : configs) {
                try {
                    Runnable step;
                    if (config.method() == Method.SSMAE) {
                        SsmaeTrainer trainer = new SsmaeTrainer(admitEverything(config), data, work.resolve("ssmae-" + open.size()));
                        open.add(trainer);
                        step = trainer::runStep;
                    } else {
                        ReferenceTrainer trainer = new ReferenceTrainer(config.method().usesUnlabeled() ? config.with(Map.of("tau", 0.0)) : config, data);
                        step = trainer::runStep;
                    }
                    step.run();
                    trainers.add(step);
                } catch (UnsupportedOperationException refused) {
                    out.printf("%s: skipped: %s%n", config.method().configName(), refused.getMessage());
                    trainers.add(null);
                }
            }
            double[][] seconds = new double[configs.size()][steps];
            for (int i = 0; i < steps; i++) {
                for (int m = 0; m < trainers.size(); m++) {
                    if (trainers.get(m) == null) continue;
                    long t0 = System.nanoTime();
                    trainers.get(m).run();
                    seconds[m][i] = (System.nanoTime() - t0) / 1e9;
                }
            }
            double[] median = new double[configs.size()];
            for (int m = 0; m < trainers.size(); m++) {
                Arrays.sort(seconds[m]);
                median[m] = trainers.get(m) == null ? Double.NaN : seconds[m][steps / 2];
            }
            return median;
        } finally {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    out.printf("cannot close a measured trainer: %s%n", e.getMessage());
                }
            }
            deleteTree(work);
        }
    }

    /** SSMAE's most expensive step: the gate open from epoch 0 (accuracy threshold 0) and confidence 0, so every unlabeled row is admitted. */
    static TrainConfig admitEverything(TrainConfig config) {
        Map<String, Object> group;
        try {
            group = new ObjectMapper().readValue(new ObjectMapper().readTree(config.canonicalJson()).get("ssmae").toString(),
                    new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the config's ssmae group: " + e.getMessage(), e);
        }
        group.put("gate_start_epoch", 0);
        group.put("confidence", 0.0);
        group.put("gate_accuracy", 0.0);
        return config.with(Map.of("ssmae", group));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Seconds per image of an evaluation-mode forward pass of {@code config}'s model, over {@code images} validation images. */
    static double secondsPerEvalImage(TrainConfig config, TrainingData data, int images, int batch) {
        ImageClassifier model = config.model().create(Ops.cpu(), config.seed());
        BatchAugmenter views = new BatchAugmenter(data.train(), new FixMatchAugment(0, AugmentConfig.fixMatch(data.train().height())),
                Normalization.fashionMnist());
        int[] validation = data.split().validation();
        int n = Math.min(images, validation.length);
        model.forward(views.render(Arrays.copyOf(validation, Math.min(batch, n)), 0, AugmentView.EVAL), ForwardMode.eval());  // warm-up
        long t0 = System.nanoTime();
        for (int start = 0; start < n; start += batch) {
            int[] idx = Arrays.copyOfRange(validation, start, Math.min(n, start + batch));
            model.forward(views.render(idx, 0, AugmentView.EVAL), ForwardMode.eval());
        }
        return (System.nanoTime() - t0) / 1e9 / n;
    }

    /** Evaluation images of one run: every role on the validation split at each evaluation and on the test set at the end, plus the best point's test pass. */
    static long evalImages(TrainConfig config, TrainingData data, int evaluations) {
        int roles = config.method().hasTeacher() ? 2 : 1;
        long validation = data.split().validation().length, test = data.test().count();
        return roles * (evaluations * validation + test) + test;
    }

    /** The largest N with N·Σ step + Σ eval ≤ target, printed with its terms. */
    static long stepsFor(double targetSeconds, double[] stepSeconds, double[] evalSeconds, PrintWriter out) {
        double perStep = 0, evals = 0;
        for (double s : stepSeconds) if (!Double.isNaN(s)) perStep += s;
        for (double e : evalSeconds) evals += e;
        long n = (long) Math.floor((targetSeconds - evals) / perStep);
        out.printf(Locale.ROOT, "budget: target %.0f s = N · %.3f s (sum of the steps) + %.0f s (evaluations) → N = %d%n", targetSeconds, perStep,
                evals, Math.max(n, 0));
        return Math.max(n, 0);
    }
}
