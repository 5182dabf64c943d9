package org.semivim.data.split;

import java.util.Arrays;

/**
 * A long-tailed split protocol (ssl-spec.md §4.2): how many validation, labeled and unlabeled
 * images to take from each class. Two kinds:
 * <ul>
 *   <li>{@link Kind#A} "CIFAR-10-LT mirror": labeled counts from (labeledHead, labeledGamma),
 *       unlabeled counts from (unlabeledHead, unlabeledGamma); unlabeledGamma = labeledGamma is
 *       the consistent variant, 1 the uniform one, −labeledGamma the reversed one.</li>
 *   <li>{@link Kind#B} "labeled-fraction mirror": a pool from (poolHead, poolGamma), of which
 *       labeledPercent per class (integer rule of {@link ImbalanceProfile#labeledFraction}) is
 *       labeled and the rest unlabeled.</li>
 * </ul>
 * Fields that a kind does not use are 0. The validation hold-out is balanced:
 * validationPerClass images of every class, taken first.
 */
public record SplitProtocol(String name, Kind kind, int numClasses, int validationPerClass,
                            int labeledHead, double labeledGamma, int unlabeledHead, double unlabeledGamma,
                            int poolHead, double poolGamma, int labeledPercent) {

    public enum Kind { A, B }

    /** Which unlabeled profile a protocol-A split uses (USB's consistent and inconsistent variants). */
    public enum UnlabeledProfile { CONSISTENT, UNIFORM, REVERSED }

    public static final int FASHION_CLASSES = 10;
    public static final int FASHION_VALIDATION_PER_CLASS = 500;

    public SplitProtocol {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("protocol needs a name");
        if (kind == null) throw new IllegalArgumentException(name + ": protocol kind (A or B) is missing");
        if (numClasses < 2) throw new IllegalArgumentException(name + ": need at least 2 classes, got " + numClasses);
        if (validationPerClass < 0) throw new IllegalArgumentException(name + ": validationPerClass must be >= 0, got " + validationPerClass);
        if (kind == Kind.B && (labeledPercent < 1 || labeledPercent > 100)) {
            throw new IllegalArgumentException(name + ": labeledPercent must be in 1..100, got " + labeledPercent);
        }
        // Computing the counts validates heads and gammas.
        counts(kind, numClasses, labeledHead, labeledGamma, unlabeledHead, unlabeledGamma, poolHead, poolGamma, labeledPercent);
    }

    /** Protocol A with explicit parameters. */
    public static SplitProtocol a(String name, int numClasses, int validationPerClass, int labeledHead, double labeledGamma,
                                  int unlabeledHead, double unlabeledGamma) {
        return new SplitProtocol(name, Kind.A, numClasses, validationPerClass, labeledHead, labeledGamma, unlabeledHead,
                unlabeledGamma, 0, 0, 0);
    }

    /** Protocol B with explicit parameters. */
    public static SplitProtocol b(String name, int numClasses, int validationPerClass, int poolHead, double poolGamma, int labeledPercent) {
        return new SplitProtocol(name, Kind.B, numClasses, validationPerClass, 0, 0, 0, 0, poolHead, poolGamma, labeledPercent);
    }

    /** A1: N_1 = 1500, M_1 = 3000, γ = 100, on Fashion-MNIST (10 classes, 500 validation per class). */
    public static SplitProtocol a1(UnlabeledProfile unlabeled) {
        return fashionA("A1", 1500, 3000, 100, unlabeled);
    }

    /** A2: N_1 = 500, M_1 = 4000, γ = 100. */
    public static SplitProtocol a2(UnlabeledProfile unlabeled) {
        return fashionA("A2", 500, 4000, 100, unlabeled);
    }

    /** B: pool N_1 = 5000, γ = 100, labeledPercent ∈ {1, 5, 10} labeled per class. */
    public static SplitProtocol b(int labeledPercent) {
        return b("B-" + labeledPercent + "pct", FASHION_CLASSES, FASHION_VALIDATION_PER_CLASS, 5000, 100, labeledPercent);
    }

    private static SplitProtocol fashionA(String base, int n1, int m1, double gamma, UnlabeledProfile unlabeled) {
        double gammaU = switch (unlabeled) {
            case CONSISTENT -> gamma;
            case UNIFORM -> 1;
            case REVERSED -> -gamma;
        };
        String name = unlabeled == UnlabeledProfile.CONSISTENT ? base : base + "-" + unlabeled.name().toLowerCase(java.util.Locale.ROOT);
        return a(name, FASHION_CLASSES, FASHION_VALIDATION_PER_CLASS, n1, gamma, m1, gammaU);
    }

    /** Labeled images per class. */
    public int[] labeledCounts() {
        return counts(kind, numClasses, labeledHead, labeledGamma, unlabeledHead, unlabeledGamma, poolHead, poolGamma, labeledPercent)[0];
    }

    /** Unlabeled images per class. */
    public int[] unlabeledCounts() {
        return counts(kind, numClasses, labeledHead, labeledGamma, unlabeledHead, unlabeledGamma, poolHead, poolGamma, labeledPercent)[1];
    }

    /** Images of class k the split consumes: validation + labeled + unlabeled. */
    public int requiredPerClass(int k) {
        return validationPerClass + labeledCounts()[k] + unlabeledCounts()[k];
    }

    /**
     * A canonical text of everything that determines the split apart from the seed and the data:
     * the split id hashes it. Counts are included so that a change of the integer rules changes ids.
     */
    public String canonical() {
        return "kind=" + kind + ";name=" + name + ";classes=" + numClasses + ";validation=" + validationPerClass
                + ";labeledHead=" + labeledHead + ";labeledGamma=" + labeledGamma + ";unlabeledHead=" + unlabeledHead
                + ";unlabeledGamma=" + unlabeledGamma + ";poolHead=" + poolHead + ";poolGamma=" + poolGamma
                + ";labeledPercent=" + labeledPercent + ";labeled=" + Arrays.toString(labeledCounts())
                + ";unlabeled=" + Arrays.toString(unlabeledCounts());
    }

    private static int[][] counts(Kind kind, int numClasses, int labeledHead, double labeledGamma, int unlabeledHead,
                                  double unlabeledGamma, int poolHead, double poolGamma, int labeledPercent) {
        if (kind == Kind.A) {
            return new int[][] {ImbalanceProfile.counts(labeledHead, labeledGamma, numClasses),
                    ImbalanceProfile.counts(unlabeledHead, unlabeledGamma, numClasses)};
        }
        int[] pool = ImbalanceProfile.counts(poolHead, poolGamma, numClasses);
        int[] labeled = ImbalanceProfile.labeledFraction(pool, labeledPercent);
        int[] unlabeled = new int[numClasses];
        for (int k = 0; k < numClasses; k++) unlabeled[k] = pool[k] - labeled[k];
        return new int[][] {labeled, unlabeled};
    }
}
