package org.semivim.training.step;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * One term of a step's loss, ready for the shards: the student sees {@code images} in a training
 * forward (drop masks drawn from (seed, step, term, shard)), and the term contributes
 * <pre>
 *   lossWeight · Σ_r rowWeights[r] · CE_soft(logits_r, targets_r)
 * </pre>
 * Row weights are already divided by the FULL batch size of their kind (1/B_l, mask/B_u), so the
 * gradients of any contiguous row slices add up to the gradient of the whole term, and a shard
 * needs no knowledge of the batch. {@code lossWeight} is the term's weight in L (w_u for the
 * unlabeled term); it scales the logit gradient, so the reported term loss stays unweighted.
 *
 * @param kind        which loss this is (L_x or L_u): names the loss and keys the drop masks
 * @param images      [n, C, H, W] the inputs of the student forward
 * @param targets     [n, K] soft target rows (one-hot, label-smoothed or mixed)
 * @param rowWeights  [n] per-row weights, ≥ 0
 * @param lossWeight  the term's weight in the total loss
 * @param ssMixup     the SSMixup hidden-state term with one psi per row, or null for a plain forward
 */
public record LossTerm(Kind kind, Tensor images, Tensor targets, float[] rowWeights, float lossWeight, SsMixupRows ssMixup) {

    /** The RNG stream of the student's drop masks: derive(step, kind code, shard). */
    public static final String DROP_STREAM = "semivim.train.drop";

    /** The terms of the loss; {@code code} is the term's coordinate in the drop-mask RNG. */
    public enum Kind {
        /** L_x: the labeled batch. */
        LABELED(0),
        /** L_u: the unlabeled batch (strong views, possibly mixed). */
        UNLABELED(1);

        public final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    /** SSMixup per row: nu, how many mixer layers, and psi [n] (ForwardMode.SsMixup, sliced with the rows). */
    public record SsMixupRows(float nu, int layers, float[] psi) {
        public SsMixupRows {
            psi = psi.clone();
        }

        @Override
        public float[] psi() {
            return psi.clone();
        }
    }

    public LossTerm {
        if (kind == null) throw new IllegalArgumentException("loss term needs a kind");
        if (images.rank() != 4) throw new IllegalArgumentException(kind + " term images: expected [n, C, H, W], got " + Arrays.toString(images.shape()));
        int n = images.dim(0);
        if (targets.rank() != 2 || targets.dim(0) != n) {
            throw new IllegalArgumentException(kind + " term targets: expected [" + n + ", K], got " + Arrays.toString(targets.shape()));
        }
        if (rowWeights.length != n) throw new IllegalArgumentException(kind + " term row weights: expected " + n + ", got " + rowWeights.length);
        for (float w : rowWeights) {
            if (!(w >= 0) || Float.isInfinite(w)) throw new IllegalArgumentException(kind + " term row weights must be finite and >= 0, got " + w);
        }
        if (!Float.isFinite(lossWeight) || lossWeight < 0) throw new IllegalArgumentException(kind + " term weight must be finite and >= 0, got " + lossWeight);
        if (ssMixup != null && ssMixup.psi.length != n) {
            throw new IllegalArgumentException(kind + " term SSMixup psi: expected " + n + " values, got " + ssMixup.psi.length);
        }
        rowWeights = rowWeights.clone();
    }

    @Override
    public float[] rowWeights() {
        return rowWeights.clone();
    }

    /** Number of rows n. */
    public int rows() {
        return images.dim(0);
    }

    /** Rows [from, to) as a term of their own (images and targets are views of this term's storage). */
    public LossTerm slice(int from, int to) {
        int n = rows();
        if (from < 0 || to < from || to > n) throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside [0, " + n + ")");
        int[] img = images.shape();
        int perImage = img[1] * img[2] * img[3];
        int classes = targets.dim(1);
        Tensor imagesSlice = Tensor.view(images.data, images.offset + from * perImage, to - from, img[1], img[2], img[3]);
        Tensor targetsSlice = Tensor.view(targets.data, targets.offset + from * classes, to - from, classes);
        SsMixupRows mix = ssMixup == null ? null : new SsMixupRows(ssMixup.nu, ssMixup.layers, Arrays.copyOfRange(ssMixup.psi, from, to));
        return new LossTerm(kind, imagesSlice, targetsSlice, Arrays.copyOfRange(rowWeights, from, to), lossWeight, mix);
    }

    /**
     * Whether {@code other} is this term bit for bit: kind, loss weight, shapes, images, targets, row
     * weights and the SSMixup rows (float bits, so −0 ≠ 0 and NaN = NaN of the same bits).
     */
    public boolean sameAs(LossTerm other) {
        if (kind != other.kind || Float.floatToRawIntBits(lossWeight) != Float.floatToRawIntBits(other.lossWeight)) return false;
        if (!Arrays.equals(images.shape(), other.images.shape()) || !Arrays.equals(targets.shape(), other.targets.shape())) return false;
        if (!sameBits(images.data, images.offset, other.images.data, other.images.offset, images.size)) return false;
        if (!sameBits(targets.data, targets.offset, other.targets.data, other.targets.offset, targets.size)) return false;
        if (!sameBits(rowWeights, 0, other.rowWeights, 0, rowWeights.length)) return false;
        if ((ssMixup == null) != (other.ssMixup == null)) return false;
        return ssMixup == null || (Float.floatToRawIntBits(ssMixup.nu) == Float.floatToRawIntBits(other.ssMixup.nu)
                && ssMixup.layers == other.ssMixup.layers && ssMixup.psi.length == other.ssMixup.psi.length
                && sameBits(ssMixup.psi, 0, other.ssMixup.psi, 0, ssMixup.psi.length));
    }

    private static boolean sameBits(float[] a, int aFrom, float[] b, int bFrom, int n) {
        if (a == b && aFrom == bFrom) return true;
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(a[aFrom + i]) != Float.floatToRawIntBits(b[bFrom + i])) return false;
        }
        return true;
    }

    /** The student's training forward for this term on shard {@code shard} of step {@code step}. */
    public ForwardMode forwardMode(long seed, long step, int shard) {
        ForwardMode mode = ForwardMode.train(CounterRng.of(seed, DROP_STREAM).derive(step, kind.code, shard));
        return ssMixup == null ? mode : mode.withSsMixup(new ForwardMode.SsMixup(ssMixup.nu, ssMixup.psi, ssMixup.layers));
    }
}
