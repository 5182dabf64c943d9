package org.semivim.data.split;

/**
 * The per-class counts of a long-tailed profile (ssl-spec.md §4.1), with USB's
 * {@code make_imbalance_data} integer rule: {@code mu = (1/|γ|)^(1/(C−1))},
 * {@code N_k = int(N_1·mu^k)} for k = 0..C−2 (truncation), the last class {@code int(N_1/|γ|)},
 * and the whole list reversed when γ &lt; 0. γ = 1 gives N_1 for every class.
 */
public final class ImbalanceProfile {
    private ImbalanceProfile() {}

    /** Counts for classes 0..numClasses−1 (class 0 = head unless gamma &lt; 0). */
    public static int[] counts(int head, double gamma, int numClasses) {
        if (head < 1) throw new IllegalArgumentException("head count must be positive, got " + head);
        if (numClasses < 2) throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        if (!(Math.abs(gamma) >= 1)) throw new IllegalArgumentException("imbalance ratio |gamma| must be at least 1, got " + gamma);
        double g = Math.abs(gamma);
        double mu = Math.pow(1.0 / g, 1.0 / (numClasses - 1));
        int[] counts = new int[numClasses];
        for (int c = 0; c < numClasses; c++) {
            counts[c] = c == numClasses - 1 ? (int) (head / g) : (int) (head * Math.pow(mu, c));
        }
        if (gamma < 0) {
            for (int i = 0, j = numClasses - 1; i < j; i++, j--) {
                int t = counts[i];
                counts[i] = counts[j];
                counts[j] = t;
            }
        }
        return counts;
    }

    /**
     * Protocol B's labeled counts: {@code L_k = max(1, (percent·P_k + 50) div 100)} (integer
     * rounding half up, avoiding Python's half-to-even ties, ssl-spec.md §4.2).
     */
    public static int[] labeledFraction(int[] pool, int percent) {
        if (percent < 1 || percent > 100) throw new IllegalArgumentException("labeled percent must be in 1..100, got " + percent);
        int[] labeled = new int[pool.length];
        for (int k = 0; k < pool.length; k++) labeled[k] = Math.max(1, (percent * pool[k] + 50) / 100);
        return labeled;
    }
}
