package org.semivim.data.mix;

import java.util.Arrays;
import org.semivim.data.sampling.CounterShuffle;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * Semi-ViT's probabilistic pseudo mixup (ssl-spec.md §2.4, R-S1, R-S5, R-S10–R-S12), applied to the
 * strong unlabeled batch after pseudo-labelling: pair each sample i with perm(i) (a uniform random
 * permutation, self-pairs allowed), psi_i = o_i/(o_i + o_perm(i)), then with probability ½ CutMix
 * (box from sqrt(1−psi_i), psi_i corrected to the kept area) else linear mixup; soft targets mix the
 * label-smoothed one-hots with psi_i; the mask is max(o_i, o_perm(i)) ≥ tau (mixing happens before
 * masking). Elements with psi_i = 1 are left unmixed, as the reference code does. When
 * o_i = o_perm(i) = 0 (the reference would divide 0 by 0) psi_i is taken as ½.
 *
 * <p>RNG: {@code CounterRng.of(seed, "semivim.probmixup").derive(step)}. Counters 0..n−2: the
 * permutation ({@link CounterShuffle#permutation}); then for element i at base n−1+3i: the
 * CutMix coin uniform(base) &lt; ½, box centre row nextInt(base+1, H), column nextInt(base+2, W)
 * (drawn for every element so the layout never shifts).
 */
public final class ProbMixup {
    public static final String RNG_STREAM = "semivim.probmixup";

    /** The mixed batch: inputs [n,C,H,W], soft targets [n, classes], per-sample psi, mask, partner and whether CutMix was used. */
    public record Mixed(Tensor inputs, Tensor targets, double[] psi, boolean[] mask, int[] partner, boolean[] cutmix) {}

    private final long seed;
    private final int numClasses;
    private final double labelSmoothing;
    private final float tau;  // compared in float32, as PyTorch compares a float32 tensor with a Python float

    /** {@code labelSmoothing} is eps_ls (0.1 in the spec), {@code tau} the confidence threshold. */
    public ProbMixup(long seed, int numClasses, double labelSmoothing, double tau) {
        if (numClasses < 2) throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("threshold tau must be in [0, 1], got " + tau);
        this.seed = seed;
        this.numClasses = numClasses;
        this.labelSmoothing = labelSmoothing;
        this.tau = (float) tau;
    }

    /**
     * Mixes {@code inputs} [n, C, H, W] (not modified) whose teacher confidences are
     * {@code confidence} [n] and pseudo-labels {@code pseudoLabel} [n], at {@code step}.
     */
    public Mixed apply(Tensor inputs, float[] confidence, int[] pseudoLabel, long step) {
        if (inputs.rank() != 4) throw new IllegalArgumentException("ProbMixup inputs: expected [n, C, H, W] but got " + inputs);
        int n = inputs.dim(0);
        int height = inputs.dim(2);
        int width = inputs.dim(3);
        if (n == 0 || n % 2 != 0) throw new IllegalArgumentException("ProbMixup needs an even, non-zero unlabeled batch (R-S12), got " + n);
        if (confidence.length != n || pseudoLabel.length != n) {
            throw new IllegalArgumentException("ProbMixup: " + n + " inputs but " + confidence.length + " confidences and "
                    + pseudoLabel.length + " pseudo-labels");
        }
        for (int i = 0; i < n; i++) {
            if (!(confidence[i] >= 0 && confidence[i] <= 1)) throw new IllegalArgumentException("confidence " + confidence[i] + " of sample " + i + " is not in [0, 1]");
            if (pseudoLabel[i] < 0 || pseudoLabel[i] >= numClasses) {
                throw new IllegalArgumentException("pseudo-label " + pseudoLabel[i] + " of sample " + i + " outside [0, " + numClasses + ")");
            }
        }
        CounterRng rng = CounterRng.of(seed, RNG_STREAM).derive(step);
        int[] partner = CounterShuffle.permutation(n, rng.cursor());
        int perSample = inputs.size / n;
        int plane = height * width;
        Tensor mixed = inputs.copy();                         // [n, C, H, W]; partners are read from the unmodified inputs
        Tensor targets = Tensor.zeros(n, numClasses);         // [n, classes]
        double[] psi = new double[n];
        boolean[] mask = new boolean[n];
        boolean[] cutmix = new boolean[n];
        long base = n - 1;
        for (int i = 0; i < n; i++) {
            int j = partner[i];
            long at = base + 3L * i;
            cutmix[i] = rng.uniform(at) < 0.5f;
            int centreRow = rng.nextInt(at + 1, height);
            int centreCol = rng.nextInt(at + 2, width);
            double sum = (double) confidence[i] + confidence[j];
            psi[i] = sum == 0 ? 0.5 : confidence[i] / sum;
            if (psi[i] != 1.0) {
                int xi = inputs.offset + i * perSample;
                int xj = inputs.offset + j * perSample;
                int oi = i * perSample;
                if (cutmix[i]) {
                    CutMixBox box = CutMixBox.of(height, width, psi[i], centreRow, centreCol);
                    for (int c = 0; c < perSample / plane; c++) {
                        for (int y = box.rowLow(); y < box.rowHigh(); y++) {
                            int row = c * plane + y * width;
                            System.arraycopy(inputs.data, xj + row + box.colLow(), mixed.data, oi + row + box.colLow(), box.colHigh() - box.colLow());
                        }
                    }
                    psi[i] = box.correctedPsi();
                } else {
                    float keep = (float) psi[i];
                    float take = (float) (1 - psi[i]);
                    for (int k = 0; k < perSample; k++) mixed.data[oi + k] = keep * inputs.data[xi + k] + take * inputs.data[xj + k];
                }
            }
            mask[i] = Math.max(confidence[i], confidence[j]) >= tau;
            writeTarget(targets, i, pseudoLabel[i], pseudoLabel[j], psi[i]);
        }
        return new Mixed(mixed, targets, psi, mask, partner, cutmix);
    }

    /** q_i = psi·smooth(onehot(a)) + (1−psi)·smooth(onehot(b)), smooth: on = 1−eps+eps/C, off = eps/C. */
    private void writeTarget(Tensor targets, int row, int labelA, int labelB, double psi) {
        double off = labelSmoothing / numClasses;
        double on = 1 - labelSmoothing + off;
        double[] q = new double[numClasses];
        Arrays.fill(q, off);
        q[labelA] += psi * (on - off);
        q[labelB] += (1 - psi) * (on - off);
        for (int k = 0; k < numClasses; k++) targets.set(row * numClasses + k, (float) q[k]);
    }
}
