package org.semivim.data.augment;

import org.semivim.data.io.ImageDataset;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.tensor.Tensor;

/**
 * Turns a list of training-set indices into a normalised float batch [n, channels, height, width]
 * of one view at one step. Samples are independent tasks on the engine's pool (one task per
 * sample, each writing its own slice), and every view depends only on (seed, step, sample, view),
 * so the batch is bit-identical for any thread count.
 *
 * <p>Augmented views need one-channel images of the configured size (the FixMatch recipe is
 * implemented for grayscale only); the EVAL view (normalisation only) works for any channel count.
 */
public final class BatchAugmenter {
    private final ImageDataset data;
    private final FixMatchAugment augment;
    private final Normalization normalization;

    public BatchAugmenter(ImageDataset data, FixMatchAugment augment, Normalization normalization) {
        if (normalization.channels() != data.channels()) {
            throw new IllegalArgumentException(data.name() + " has " + data.channels() + " channels but the normalisation has "
                    + normalization.channels());
        }
        this.data = data;
        this.augment = augment;
        this.normalization = normalization;
    }

    /** The {@code view} of samples {@code indices} at {@code step}, normalised: [n, C, H, W]. */
    public Tensor render(int[] indices, long step, AugmentView view) {
        if (view != AugmentView.EVAL && data.channels() != 1) {
            throw new IllegalArgumentException("the " + view + " view is implemented for grayscale images; " + data.name()
                    + " has " + data.channels() + " channels (use EVAL, or convert the images to grayscale)");
        }
        for (int i : indices) {
            if (i < 0 || i >= data.count()) throw new IllegalArgumentException("sample index " + i + " outside " + data.name() + " [0, " + data.count() + ")");
        }
        int imageSize = data.imageSize();
        Tensor batch = Tensor.zeros(indices.length, data.channels(), data.height(), data.width());
        float[] out = batch.data;  // [n, C, H, W]
        Parallel.forEach(indices.length, b -> {
            int sample = indices[b];
            int base = b * imageSize;
            if (view == AugmentView.EVAL) {
                int planeSize = data.height() * data.width();
                byte[] raw = data.image(sample);
                for (int i = 0; i < imageSize; i++) out[base + i] = normalization.apply(i / planeSize, raw[i] & 0xff);
            } else {
                GrayImage image = new GrayImage(data.width(), data.height(), data.image(sample));
                GrayImage v = augment.view(image, step, sample, view);
                for (int i = 0; i < imageSize; i++) out[base + i] = normalization.apply(0, v.pixels[i] & 0xff);
            }
        });
        return batch;
    }
}
