package org.semivim.engine.models;

import org.semivim.engine.rng.CounterRng;

/**
 * How a forward pass runs: evaluation (DropPath and Dropout are identities) or training with a
 * random stream for the drop masks; optionally the SSMixup hidden-state term (ViM only).
 *
 * @param training whether drop-path / dropout are active
 * @param dropRng  the generator of this pass's drop masks (coordinates chosen by the caller, e.g.
 *                 derived from (seed, step, shard)); required when training
 * @param ssMixup  the SSMixup term, or null for a plain forward
 */
public record ForwardMode(boolean training, CounterRng dropRng, SsMixup ssMixup) {

    public ForwardMode {
        if (training && dropRng == null) throw new IllegalArgumentException("a training forward needs a drop-mask generator");
    }

    public static ForwardMode eval() {
        return new ForwardMode(false, null, null);
    }

    public static ForwardMode train(CounterRng dropRng) {
        return new ForwardMode(true, dropRng, null);
    }

    public ForwardMode withSsMixup(SsMixup m) {
        return new ForwardMode(training, dropRng, m);
    }

    /**
     * The SSMixup term of ssl-spec.md §2.6.2 / vim-spec.md §11: in the first {@code layers} mixers
     * the merged output gets {@code + nu·(psi_b·r^f + (1 − psi_b)·flip(r^b))} before out_proj.
     *
     * @param nu     the hidden-state coefficient ν (0 gives exactly the plain forward)
     * @param psi    the mixup coefficient per sample [B]
     * @param layers how many mixers, counted from the first, get the term
     */
    public record SsMixup(float nu, float[] psi, int layers) {
        public SsMixup {
            if (!Float.isFinite(nu)) throw new IllegalArgumentException("SSMixup nu must be finite, got " + nu);
            if (psi == null) throw new IllegalArgumentException("SSMixup needs psi per sample");
            for (float p : psi) {
                if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("SSMixup psi must be in [0,1], got " + p);
            }
            if (layers < 0) throw new IllegalArgumentException("SSMixup layers must be >= 0, got " + layers);
            psi = psi.clone();
        }

        @Override
        public float[] psi() {
            return psi.clone();
        }
    }
}
