package org.semivim.cli.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.semivim.cli.progress.Progress;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.io.ImageDataset;
import org.semivim.data.split.LongTailSplit;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.DatasetInference;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.eval.Evaluator;
import org.semivim.training.eval.ScoreKind;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The test-set evaluation of a run's student and teacher at one step (docs/evaluation.md), as the
 * report reads it from {@code report/eval.json}.
 *
 * @param step          steps trained when evaluated
 * @param images        test images evaluated (all of them, or the first per class up to a limit)
 * @param classNames    [K]
 * @param labeledCounts labeled training images per class [K] (head to tail order, many/medium/few)
 * @param student       the student's metrics
 * @param teacher       the teacher's metrics, or null for a method without a teacher
 */
public record RunEvaluation(@JsonProperty("step") long step, @JsonProperty("images") int images,
                            @JsonProperty("class_names") List<String> classNames, @JsonProperty("labeled_counts") List<Integer> labeledCounts,
                            @JsonProperty("student") Evaluation student, @JsonProperty("teacher") Evaluation teacher) {
    public static final String FILE = "eval.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int CHUNK = 256;

    /**
     * Evaluates {@code student} and the teacher parameters (null: none) on the test set of {@code data}.
     * {@code limitPerClass} > 0 takes only the first that many test images of each class.
     *
     * @return null when {@code stop} asked to stop in the middle
     */
    public static RunEvaluation evaluate(TrainConfig config, TrainingData data, long step, ImageClassifier student, float[] teacher,
                                         int limitPerClass, int batch, Progress.Mode mode, PrintStream out, BooleanSupplier stop) {
        return evaluate(config, data, step, student, teacher, limitPerClass, batch, mode, out, stop, Ops.cpu());
    }

    /** As above, the teacher's model built on {@code ops} ({@code --device}; the student's is the caller's). */
    public static RunEvaluation evaluate(TrainConfig config, TrainingData data, long step, ImageClassifier student, float[] teacher,
                                         int limitPerClass, int batch, Progress.Mode mode, PrintStream out, BooleanSupplier stop, Ops ops) {
        ImageDataset test = data.test();
        int classes = test.numClasses();
        int[] labeledCounts = LongTailSplit.perClass(data.split().labeled(), data.train().labels(), classes);
        Evaluator evaluator = new Evaluator(labeledCounts);
        int[] indices = testIndices(test, limitPerClass);
        BatchAugmenter views = new BatchAugmenter(test, new FixMatchAugment(config.seed(), AugmentConfig.fixMatch(test.height())),
                Normalization.fashionMnist());
        Evaluation s = evaluateModel("eval student", student, test, views, indices, batch, evaluator, mode, out, stop);
        if (s == null) return null;
        Evaluation t = null;
        if (teacher != null) {
            ImageClassifier teacherModel = RunModels.withValues(config, teacher, ops);
            t = evaluateModel("eval teacher", teacherModel, test, views, indices, batch, evaluator, mode, out, stop);
            if (t == null) return null;
        }
        return new RunEvaluation(step, indices.length, test.classNames(), Arrays.stream(labeledCounts).boxed().toList(), s, t);
    }

    /** All test indices, or the first {@code limitPerClass} of each class (in class order). */
    static int[] testIndices(ImageDataset test, int limitPerClass) {
        if (limitPerClass <= 0) return DatasetInference.allIndices(test);
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < test.numClasses(); k++) {
            int[] of = test.indicesOfClass(k);
            for (int i = 0; i < Math.min(limitPerClass, of.length); i++) out.add(of[i]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Evaluation evaluateModel(String task, ImageClassifier model, ImageDataset test, BatchAugmenter views, int[] indices, int batch,
                                            Evaluator evaluator, Progress.Mode mode, PrintStream out, BooleanSupplier stop) {
        int classes = model.numClasses();
        Tensor logits = Tensor.zeros(indices.length, classes);  // [N, K]
        int[] labels = new int[indices.length];
        try (Progress progress = Progress.open(mode, task, 0, indices.length, "img", 1, out)) {
            for (int start = 0; start < indices.length; start += CHUNK) {
                if (stop.getAsBoolean()) return null;
                int[] chunk = Arrays.copyOfRange(indices, start, Math.min(indices.length, start + CHUNK));
                Tensor part = DatasetInference.logits(model, views, chunk, batch);  // [n, K]
                System.arraycopy(part.data, part.offset, logits.data, start * classes, part.size);
                for (int i = 0; i < chunk.length; i++) labels[start + i] = test.label(chunk[i]);
                progress.update(start + chunk.length, "");
            }
        }
        return evaluator.evaluate(logits, ScoreKind.LOGITS, labels);
    }

    public void write(Path reportDir) throws IOException {
        Files.createDirectories(reportDir);
        Path tmp = reportDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(this));
        Files.move(tmp, reportDir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The evaluation in {@code reportDir}, or null when there is none. */
    public static RunEvaluation read(Path reportDir) throws IOException {
        Path file = reportDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), RunEvaluation.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + " is not a semivim evaluation: " + e.getOriginalMessage(), e);
        }
    }

    /** A few lines for the terminal: top-1/top-5, balanced accuracy, macro F1, mAP, many/medium/few, collapse. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "evaluation at step %d on %d test images%n", step, images));
        b.append(String.format(Locale.ROOT, "%-8s %6s %6s %8s %8s %6s %6s %6s %6s  %s%n", "model", "top1", "top5", "balanced", "macroF1",
                "mAP", "many", "medium", "few", "collapsed"));
        row(b, "student", student);
        if (teacher != null) row(b, "teacher", teacher);
        b.append("per-class recall, head to tail (labeled training images):\n");
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < labeledCounts.size(); k++) order.add(k);
        order.sort(java.util.Comparator.<Integer>comparingInt(k -> -labeledCounts.get(k)).thenComparingInt(k -> k));
        for (int k : order) {
            b.append(String.format(Locale.ROOT, "  %2d %-14s %6d  student %6.4f", k, classNames.get(k), labeledCounts.get(k),
                    student.perClassAccuracy().get(k)));
            if (teacher != null) b.append(String.format(Locale.ROOT, "  teacher %6.4f", teacher.perClassAccuracy().get(k)));
            b.append('\n');
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Evaluation e) {
        b.append(String.format(Locale.ROOT, "%-8s %6.4f %6.4f %8.4f %8.4f %6.4f %6.4f %6.4f %6.4f  %s%n", name, e.top1(), e.top5(),
                e.balancedAccuracy(), e.macroF1(), e.meanAveragePrecision(), e.byRank().many(), e.byRank().medium(), e.byRank().few(),
                e.collapsed() ? "yes: " + String.join("; ", e.collapseReasons()) : "no"));
    }
}
