package org.semivim.training.ssmae;

import org.semivim.engine.tensor.Tensor;

/**
 * The classification batch of an SSMAE step (R-G6, R-G7): the labeled images followed by the WEAK views
 * of this step's pseudo-labeled unlabeled rows, every row weighing the same, so L_cls is the plain mean
 * over labeled plus pseudo-labeled samples; L = L_mae + w_cls·L_cls.
 *
 * @param images     [B_l + P, C, H, W]
 * @param labels     [B_l + P]
 * @param rowWeights [B_l + P], each 1/(B_l + P)
 */
public record SsmaeClassificationBatch(Tensor images, int[] labels, Tensor rowWeights) {

    /** Concatenates labeled images [B_l, C, H, W] / labels [B_l] and the admitted rows of the weak views [B_u, C, H, W]. */
    public static SsmaeClassificationBatch assemble(Tensor labeledImages, int[] labeledLabels, Tensor weakUnlabeled,
                                                    SsmaeAdmission.Admission admission) {
        if (labeledImages.rank() != 4) throw new IllegalArgumentException("labeled images: expected [B_l, C, H, W] but got " + labeledImages);
        if (weakUnlabeled.rank() != 4) throw new IllegalArgumentException("weak unlabeled views: expected [B_u, C, H, W] but got " + weakUnlabeled);
        int bl = labeledImages.dim(0), bu = weakUnlabeled.dim(0);
        if (labeledLabels.length != bl) throw new IllegalArgumentException(bl + " labeled images but " + labeledLabels.length + " labels");
        int per = labeledImages.size / Math.max(bl, 1);
        int perUnlabeled = weakUnlabeled.size / Math.max(bu, 1);
        for (int d = 1; d < 4; d++) {
            if (labeledImages.dim(d) != weakUnlabeled.dim(d)) {
                throw new IllegalArgumentException("labeled images " + labeledImages + " and weak views " + weakUnlabeled + " differ in image shape");
            }
        }
        int rows = bl + admission.size();
        int[] shape = labeledImages.shape();
        shape[0] = rows;
        Tensor images = Tensor.zeros(shape);              // [B_l + P, C, H, W]
        int[] labels = new int[rows];
        System.arraycopy(labeledImages.data, labeledImages.offset, images.data, 0, bl * per);
        System.arraycopy(labeledLabels, 0, labels, 0, bl);
        int r = bl;
        for (SsmaeAdmission.PseudoPair p : admission.pairs()) {
            if (p.row() < 0 || p.row() >= bu) throw new IllegalArgumentException("pseudo pair row " + p.row() + " outside the " + bu + " weak views");
            System.arraycopy(weakUnlabeled.data, weakUnlabeled.offset + p.row() * perUnlabeled, images.data, r * per, per);
            labels[r++] = p.label();
        }
        Tensor weights = Tensor.zeros(rows);               // [B_l + P]
        weights.fill(rows == 0 ? 0f : 1f / rows);
        return new SsmaeClassificationBatch(images, labels, weights);
    }

    /** One-hot targets [rows, K] for the engine's soft-target cross-entropy. */
    public Tensor oneHotTargets(int numClasses) {
        Tensor t = Tensor.zeros(labels.length, numClasses);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " outside [0, " + numClasses + ")");
            t.data[i * numClasses + labels[i]] = 1f;
        }
        return t;
    }

    /** L = L_mae + w_cls·L_cls (R-G7). */
    public static double totalLoss(double maeLoss, double classificationLoss, SsmaeConfig config) {
        return maeLoss + config.classificationWeight() * classificationLoss;
    }
}
