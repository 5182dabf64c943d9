package org.semivim.training.eval;

import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * Runs a classifier over images of a data set in evaluation mode ({@link ForwardMode#eval()}: no
 * drop-path, no dropout) on their {@link AugmentView#EVAL} view (normalisation only, as the data
 * module renders it), batch by batch, and collects the logits.
 */
public final class DatasetInference {
    private DatasetInference() {}

    /** The indices 0..count−1 of every image of {@code data}. */
    public static int[] allIndices(ImageDataset data) {
        int[] all = new int[data.count()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return all;
    }

    /**
     * Logits [n, K] of images {@code indices} (row i belongs to {@code indices[i]}).
     *
     * @param views     renders the data set's images; only its EVAL view is used, which takes no
     *                  random draw, so the step passed to it is irrelevant (0)
     * @param batchSize images per forward pass; the last batch may be smaller
     */
    public static Tensor logits(ImageClassifier model, BatchAugmenter views, int[] indices, int batchSize) {
        if (model == null || views == null || indices == null) throw new IllegalArgumentException("model, views and indices must not be null");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (indices.length == 0) throw new IllegalArgumentException("no images to run the model on");
        int classes = model.numClasses();
        Tensor logits = Tensor.zeros(indices.length, classes);  // [n, K]
        ForwardMode eval = ForwardMode.eval();
        for (int start = 0; start < indices.length; start += batchSize) {
            int[] batch = Arrays.copyOfRange(indices, start, Math.min(indices.length, start + batchSize));
            Tensor images = views.render(batch, 0, AugmentView.EVAL);  // [b, C, H, W]
            int[] expected = model.inputShape();
            int[] got = images.shape();
            if (!Arrays.equals(expected, Arrays.copyOfRange(got, 1, got.length))) {
                throw new IllegalArgumentException("images: the model expects [B, " + joined(expected) + "] but the data set gives "
                        + Arrays.toString(got));
            }
            Tensor out = model.forward(images, eval).logits();  // [b, K]
            if (out.rank() != 2 || out.dim(0) != batch.length || out.dim(1) != classes) {
                throw new IllegalStateException("model returned logits " + Arrays.toString(out.shape()) + " for a batch of "
                        + batch.length + " and " + classes + " classes");
            }
            System.arraycopy(out.data, out.offset, logits.data, start * classes, out.size);
        }
        return logits;
    }

    /** Evaluates {@code model} on images {@code indices} of {@code data}, which {@code views} must render. */
    public static Evaluation evaluate(ImageClassifier model, ImageDataset data, BatchAugmenter views, int[] indices, int batchSize,
                                      Evaluator evaluator) {
        if (evaluator.numClasses() != model.numClasses() || data.numClasses() != model.numClasses()) {
            throw new IllegalArgumentException("classes differ: model " + model.numClasses() + ", data set " + data.numClasses()
                    + ", evaluator " + evaluator.numClasses());
        }
        int[] labels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) labels[i] = data.label(indices[i]);
        return evaluator.evaluate(logits(model, views, indices, batchSize), ScoreKind.LOGITS, labels);
    }

    private static String joined(int[] shape) {
        String s = Arrays.toString(shape);
        return s.substring(1, s.length() - 1);
    }
}
