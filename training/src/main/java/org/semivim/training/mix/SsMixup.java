package org.semivim.training.mix;

import org.semivim.data.sampling.CounterShuffle;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.pseudo.PseudoLabels;

/**
 * SSMixup's batch (Semi-ViM Eq. 12–13, ssl-spec.md §2.6.2, R-S1…R-S5, R-S9, R-S10, R-S12):
 * <pre>
 *   K = {i : o_i &gt; tau}  (teacher confidences on the weak views, '&gt;' of Eq. 21)     FILTER first (R-S2)
 *   perm = uniform random permutation of K; j = perm(i); self-pairs allowed       (R-S1)
 *   psi_i = o_i/(o_i + o_j)                                                      (Eq. 12)
 *   x_mix_i = psi_i·us_i + (1 − psi_i)·us_j   on the STRONG views, linear only    (Eq. 13, R-S3)
 *   q_i = psi_i·smooth(onehot(yhat_i)) + (1 − psi_i)·smooth(onehot(yhat_j)), eps_ls = 0.1   (R-S5)
 *   row weight 1/B_u (the full unlabeled batch, Eq. 21); |K| = 0 → no rows, L_u = 0   (R-S4)
 * </pre>
 * No parity requirement on B_u (R-S12). The student forward on x_mix adds the hidden-state term with
 * the rows' psi ({@link #withHiddenStateTerm}); it exists only on a bidirectional ViM (R-S9).
 *
 * <p>RNG: {@code CounterRng.of(seed, "semivim.ssmixup").derive(step)}, one sequential cursor from
 * counter 0: the permutation of the positions 0..|K|−1 of K (in ascending sample order) by
 * {@link CounterShuffle#permutation}, i.e. counters 0..|K|−2. Nothing else is drawn.
 */
public final class SsMixup {
    public static final String RNG_STREAM = "semivim.ssmixup";

    private final long seed;
    private final int numClasses;
    private final double labelSmoothing;
    private final ConfidenceThreshold threshold;

    /** {@code labelSmoothing} is eps_ls (0.1), {@code tau} the confidence threshold (0.7, compared with '&gt;'). */
    public SsMixup(long seed, int numClasses, double labelSmoothing, double tau) {
        if (numClasses < 2) throw new IllegalArgumentException("SSMixup needs at least 2 classes, got " + numClasses);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        this.seed = seed;
        this.numClasses = numClasses;
        this.labelSmoothing = labelSmoothing;
        this.threshold = ConfidenceThreshold.semiVim(tau);
    }

    /** The retained set K: indices with o &gt; tau, ascending. */
    public int[] retained(PseudoLabels teacherLabels) {
        boolean[] keep = teacherLabels.mask(threshold);
        int count = 0;
        for (boolean k : keep) if (k) count++;
        int[] retained = new int[count];
        for (int i = 0, p = 0; i < keep.length; i++) if (keep[i]) retained[p++] = i;
        return retained;
    }

    /** Mixes the strong views [B_u, C, H, W] (not modified) of the retained rows at {@code step}. */
    public MixedUnlabeledBatch apply(Tensor strongViews, PseudoLabels teacherLabels, long step) {
        if (strongViews.rank() != 4) throw new IllegalArgumentException("SSMixup strong views: expected [B_u, C, H, W] but got " + strongViews);
        int batch = strongViews.dim(0);
        if (teacherLabels.size() != batch) {
            throw new IllegalArgumentException("SSMixup: " + batch + " strong views but " + teacherLabels.size() + " pseudo-labels");
        }
        if (teacherLabels.numClasses() != numClasses) {
            throw new IllegalArgumentException("SSMixup: pseudo-labels have " + teacherLabels.numClasses() + " classes, expected " + numClasses);
        }
        int[] retained = retained(teacherLabels);
        int k = retained.length;
        int[] order = CounterShuffle.permutation(k, CounterRng.of(seed, RNG_STREAM).derive(step).cursor());
        int perSample = strongViews.size / Math.max(batch, 1);
        int[] shape = strongViews.shape();
        shape[0] = k;
        Tensor inputs = Tensor.zeros(shape);                 // [|K|, C, H, W]
        Tensor targets = Tensor.zeros(k, numClasses);        // [|K|, K_cls]
        Tensor rowWeights = Tensor.zeros(k);                 // [|K|]
        float[] psi = new float[k];
        int[] partners = new int[k];
        float weight = 1f / batch;
        for (int p = 0; p < k; p++) {
            int i = retained[p], j = retained[order[p]];
            partners[p] = j;
            double oi = teacherLabels.confidenceOf(i), oj = teacherLabels.confidenceOf(j);
            double mix = oi / (oi + oj);                     // o > tau ≥ 0, so the sum is positive
            psi[p] = (float) mix;
            float keep = (float) mix, take = (float) (1 - mix);
            int xi = strongViews.offset + i * perSample, xj = strongViews.offset + j * perSample, out = p * perSample;
            for (int e = 0; e < perSample; e++) inputs.data[out + e] = keep * strongViews.data[xi + e] + take * strongViews.data[xj + e];
            SmoothedTargets.writeMixed(targets, p, teacherLabels.labelOf(i), teacherLabels.labelOf(j), mix, labelSmoothing);
            rowWeights.data[p] = weight;
        }
        return new MixedUnlabeledBatch(inputs, targets, psi, rowWeights, retained, partners, batch);
    }

    /**
     * The student's forward mode on x_mix: {@code mode} with the SSMixup hidden-state term (nu, the
     * rows' psi, in the first {@code layers} mixers). Only for this forward; labeled rows, teacher
     * forwards and evaluation run without it (R-S9).
     */
    public static ForwardMode withHiddenStateTerm(ForwardMode mode, MixedUnlabeledBatch batch, float nu, int layers) {
        if (batch.isEmpty()) throw new IllegalArgumentException("SSMixup batch is empty (|K| = 0): skip the forward, L_u = 0");
        return mode.withSsMixup(new ForwardMode.SsMixup(nu, batch.psi(), layers));
    }

    /**
     * R-S9: SSMixup needs a bidirectional ViM (its term mixes the forward and backward SSM readouts).
     * Any other backbone is a configuration error; the configuration must choose ProbMixup explicitly.
     */
    public static void requireSsmBackbone(ModelSpec backbone) {
        if (backbone instanceof ModelSpec.Vim vim && vim.config().bidirectional()) return;
        String what = backbone instanceof ModelSpec.Vim ? "a unidirectional ViM (bimamba none)" : "a " + backbone.getClass().getSimpleName() + " backbone";
        throw new IllegalArgumentException("SSMixup needs a bidirectional (bimamba v2) ViM backbone, got " + what
                + "; configure ProbMixup instead (R-S9)");
    }
}
