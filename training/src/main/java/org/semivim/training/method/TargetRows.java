package org.semivim.training.method;

import org.semivim.engine.tensor.Tensor;

/** Target and input rows for loss terms: (smoothed) one-hot targets and the gathering of selected rows. */
final class TargetRows {
    private TargetRows() {}

    /** [n, K]: (1 − eps)·onehot + eps/K per row (timm LabelSmoothingCrossEntropy; eps = 0 gives one-hot). */
    static Tensor smoothedOneHot(int[] labels, int classes, float eps) {
        Tensor t = Tensor.zeros(labels.length, classes);
        float off = eps / classes, on = 1f - eps + off;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0 || labels[r] >= classes) throw new IllegalArgumentException("label " + labels[r] + " outside [0, " + classes + ")");
            for (int k = 0; k < classes; k++) t.data[r * classes + k] = k == labels[r] ? on : off;
        }
        return t;
    }

    /** rows [n, ...] → the rows {@code keep} [m], in that order, as a new tensor [m, ...]. */
    static Tensor gather(Tensor rows, int[] keep) {
        int[] shape = rows.shape();
        int perRow = shape[0] == 0 ? 0 : rows.size / shape[0];
        shape[0] = keep.length;
        Tensor out = Tensor.zeros(shape);
        for (int i = 0; i < keep.length; i++) {
            System.arraycopy(rows.data, rows.offset + keep[i] * perRow, out.data, i * perRow, perRow);
        }
        return out;
    }

    /** A row weight of 1/B for a batch of {@code batch} (float division, correctly rounded). */
    static float perSample(int batch) {
        return 1f / batch;
    }
}
