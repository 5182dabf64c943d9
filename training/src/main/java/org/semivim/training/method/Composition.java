package org.semivim.training.method;

import org.semivim.training.step.LossTerm;

import java.util.List;

/**
 * A step's loss terms and which unlabeled samples passed the confidence mask (for the mask rate and
 * the pseudo-label accuracy of the step record).
 *
 * @param terms the loss terms in their fixed order (labeled first)
 * @param mask  [B_u] whether unlabeled sample i contributes to L_u; empty without unlabeled data
 */
public record Composition(List<LossTerm> terms, boolean[] mask) {
    public Composition {
        terms = List.copyOf(terms);
        mask = mask.clone();
    }

    @Override
    public boolean[] mask() {
        return mask.clone();
    }

    /** Fraction of the unlabeled batch that passed the mask (0 without unlabeled data). */
    public double maskRate() {
        if (mask.length == 0) return 0;
        int n = 0;
        for (boolean m : mask) if (m) n++;
        return (double) n / mask.length;
    }
}
