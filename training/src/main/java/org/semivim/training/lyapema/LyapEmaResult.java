package org.semivim.training.lyapema;

/**
 * The outcome of {@link LyapEmaUpdate#decide}: the state to carry on with and the record of the
 * decision. The committed θS' and θT' are in the kernel's output arrays (on a skipped step they hold
 * copies of θS_prev and θT_prev, and {@code state} is the unchanged input state).
 */
public record LyapEmaResult(LyapEmaState state, LyapEmaDecision decision) {

    public boolean committed() {
        return decision.committed();
    }
}
