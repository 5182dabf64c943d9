package org.semivim.training.eval;

import java.util.List;

/**
 * Accuracy on the many / medium / few classes: the mean per-class recall over the group's
 * classes that occur in the evaluated labels (NaN for a group with none). On a balanced test set
 * this equals the plain accuracy over the group's samples.
 */
public record GroupAccuracy(ClassGroups groups, double many, double medium, double few) {

    static GroupAccuracy of(ClassGroups groups, double[] recall) {
        return new GroupAccuracy(groups, meanOver(groups.many(), recall), meanOver(groups.medium(), recall), meanOver(groups.few(), recall));
    }

    /** Mean of {@code recall[k]} over {@code classes}, skipping NaN (classes without samples). */
    private static double meanOver(List<Integer> classes, double[] recall) {
        double sum = 0;
        int n = 0;
        for (int k : classes) {
            if (!Double.isNaN(recall[k])) {
                sum += recall[k];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
