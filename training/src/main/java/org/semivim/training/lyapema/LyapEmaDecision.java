package org.semivim.training.lyapema;

/**
 * What one LyapEMA step decided, for the per-step metrics (ssl-spec.md §2.5.4: log α, d, V, s, lam and
 * the violation flags every step). Values describe the attempt that was committed; for a skipped step
 * they are the last values computed before the skip (NaN where none was).
 *
 * @param step                    the 1-based index this step has (or would have had) among committed steps
 * @param scheduledLr             η_sched(t) given by the caller
 * @param learningRate            s·η_sched(t) used by the committed attempt
 * @param alpha                   α_t of Eq. 9
 * @param distance                d_t = ‖θS_t − θT_{t−1}‖₂
 * @param lyapunov                V_t = ½‖θS_t − θT_t‖² (the new V_prev)
 * @param lyapunovPrev            V_prev the check compared with (the accepted value of the last step)
 * @param firstLyapunov           V of the first attempt (before any retry)
 * @param s                       learning-rate multiplier after this step
 * @param lam                     stability coefficient after this step
 * @param gamma                   gamma used; null while not calibrated (α = ½)
 * @param violated                the check V ≥ V_prev fired on the first attempt (armed only when V_prev &gt; 0)
 * @param stillViolatedAfterRetry the accepted attempt still had V ≥ V_prev
 * @param retries                 recomputations done (0 or up to r_max)
 * @param skip                    why the step was skipped, or {@link Skip#NONE} when it was committed
 */
public record LyapEmaDecision(long step, double scheduledLr, double learningRate, double alpha, double distance,
                              double lyapunov, double lyapunovPrev, double firstLyapunov, double s, double lam, Double gamma,
                              boolean violated, boolean stillViolatedAfterRetry, int retries, Skip skip) {

    /** Why a step was not committed (never a silent NaN in the parameters). */
    public enum Skip {
        NONE,
        /** the loss was NaN or infinite */
        NON_FINITE_LOSS,
        /** the Adam direction u (hence the gradient) had a NaN or infinite element */
        NON_FINITE_DIRECTION,
        /** d, V, or an element of the proposed student or teacher was NaN or infinite */
        NON_FINITE_CANDIDATE
    }

    /** Whether the step's parameters and state were committed. */
    public boolean committed() {
        return skip == Skip.NONE;
    }
}
