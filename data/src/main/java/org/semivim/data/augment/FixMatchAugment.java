package org.semivim.data.augment;

import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;

/**
 * The FixMatch weak and strong augmentations of ssl-spec.md §1.2 on grayscale images, with every
 * random draw taken from the counter-based RNG at coordinates (seed, step, sample index, view):
 * {@code CounterRng.of(seed, "semivim.augment").derive(step, sampleIndex, view.code)}. A view is
 * therefore the same whichever thread, actor or node computes it, and in whatever order.
 *
 * <p>Counter layout inside a view's stream (fixed, so draws never shift between ops):
 * <pre>
 *   0            flip        uniform() &lt; 0.5 → mirror
 *   1, 2         crop        top = nextInt(2·pad+1), left = nextInt(2·pad+1)
 *   strong only, for op r = 0..n−1 at base 3 + 4r:
 *   base+0       op index    nextInt(14) into the pool ({@link RandAugmentOp} order)
 *   base+1       level v     1 + nextInt(m−1)   (numpy randint(1, m))
 *   base+2       apply       uniform() &lt; 0.5 → apply the op
 *   base+3       sign        uniform() &lt; 0.5 → negative (used by rotate/shear/translate only)
 *   3 + 4n, +1   cutout      centre x = uniformDouble()·width, centre y = uniformDouble()·height
 * </pre>
 * The sample index is the index in the training set, so one sample drawn twice in a step gets
 * the same view both times.
 */
public final class FixMatchAugment {
    public static final String RNG_STREAM = "semivim.augment";
    private static final RandAugmentOp[] POOL = RandAugmentOp.values();

    private final CounterRng root;
    private final AugmentConfig config;

    public FixMatchAugment(long seed, AugmentConfig config) {
        this.root = CounterRng.of(seed, RNG_STREAM);
        this.config = config;
    }

    public AugmentConfig config() {
        return config;
    }

    /** The view {@code view} of {@code image} (training-set index {@code sampleIndex}) at {@code step}. */
    public GrayImage view(GrayImage image, long step, long sampleIndex, AugmentView view) {
        if (image.width != config.size() || image.height != config.size()) {
            throw new IllegalArgumentException("augmentation is configured for " + config.size() + "x" + config.size()
                    + " images but sample " + sampleIndex + " is " + image.width + "x" + image.height);
        }
        if (view == AugmentView.EVAL) return image;
        RandomStream draws = root.derive(step, sampleIndex, view.code).cursor();
        GrayImage weak = weak(image, draws);
        return view == AugmentView.WEAK ? weak : strongAfterWeak(weak, draws);
    }

    /** Flip with p = ½, then reflect-pad and random crop (counters 0..2 of {@code draws}). */
    GrayImage weak(GrayImage image, RandomStream draws) {
        boolean flip = draws.uniform() < 0.5f;
        int top = draws.nextInt(2 * config.padding() + 1);
        int left = draws.nextInt(2 * config.padding() + 1);
        GrayImage out = flip ? GeometryOps.flipHorizontal(image) : image;
        return GeometryOps.reflectPadCrop(out, config.padding(), top, left);
    }

    /** RandAugmentMC(n, m) then Cutout, continuing {@code draws} after the weak draws. */
    GrayImage strongAfterWeak(GrayImage weak, RandomStream draws) {
        GrayImage img = weak;
        for (int r = 0; r < config.ops(); r++) {
            RandAugmentOp op = POOL[draws.nextInt(POOL.length)];
            int level = 1 + draws.nextInt(config.magnitude() - 1);
            boolean apply = draws.uniform() < 0.5f;
            boolean negative = draws.uniform() < 0.5f;
            if (apply) img = op.apply(img, level, negative);
        }
        double centreX = draws.uniformDouble() * img.width;
        double centreY = draws.uniformDouble() * img.height;
        return GeometryOps.cutout(img, centreX, centreY, config.cutoutSide(), config.cutoutFill());
    }
}
