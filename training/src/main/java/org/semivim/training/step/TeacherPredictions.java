package org.semivim.training.step;

/**
 * The teacher's verdict on the weak unlabeled views of one step: confidence o_i = max_c softmax
 * and pseudo-label yhat_i = argmax_c (hard, T = 1; ssl-spec.md §0). Masks and mixing are built
 * from these by the method.
 *
 * @param confidence [B_u] o_i in float
 * @param label      [B_u] yhat_i
 */
public record TeacherPredictions(float[] confidence, int[] label) {
    public TeacherPredictions {
        if (confidence.length != label.length) {
            throw new IllegalArgumentException("teacher predictions: " + confidence.length + " confidences for " + label.length + " labels");
        }
        confidence = confidence.clone();
        label = label.clone();
    }

    @Override
    public float[] confidence() {
        return confidence.clone();
    }

    @Override
    public int[] label() {
        return label.clone();
    }

    public int size() {
        return label.length;
    }

    public float confidence(int i) {
        return confidence[i];
    }

    public int label(int i) {
        return label[i];
    }

    /** None, for a step without unlabeled data. */
    public static TeacherPredictions empty() {
        return new TeacherPredictions(new float[0], new int[0]);
    }
}
