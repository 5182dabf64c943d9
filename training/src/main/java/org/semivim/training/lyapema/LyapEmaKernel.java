package org.semivim.training.lyapema;

/**
 * The arithmetic of one LyapEMA attempt STEP(s, lam) (ssl-spec.md §2.5.3), separated from the decision
 * ({@link LyapEmaUpdate}) so the same rule runs on the float32 parameters of a model
 * ({@link FloatLyapEmaKernel}) and on a plain double reference ({@link DoubleLyapEmaKernel}).
 *
 * <p>A kernel holds the saved θS_prev, θT_prev and the Adam direction u, which it never modifies,
 * and two output arrays that every attempt overwrites; so a retry starts from the saved state with
 * the same u (R-L2, R-L7). Norms and V are sums in double over the trainable elements in a fixed
 * order, whatever the thread count.
 */
public interface LyapEmaKernel {

    /** Whether the direction u is finite everywhere (a NaN/Inf gradient must never be committed). */
    boolean directionFinite();

    /**
     * First half of STEP: θ~ = the optimiser step from θS_prev with {@code learningRate} (= s·η_sched,
     * decoupled weight decay scaled the same way, R-L2), then on the trainable elements
     * θS' = (θ~ + lam·θT_prev)/(1 + lam) (implicit, R-L1) or θ~ + lam·(θT_prev − θS_prev) (explicit);
     * writes θS' to the student output and returns d = ‖θS' − θT_prev‖₂ over the trainable elements (R-L3).
     */
    double proposeStudent(double learningRate, double lam, LyapEmaConfig.Pull pull);

    /**
     * Second half of STEP: θT' = α·θT_prev + (1 − α)·θS' on every element (frozen ones too, like buffers,
     * R-L10) into the teacher output; returns V = ½‖θS' − θT'‖² over the trainable elements (R-L4),
     * or NaN when any element of either output is not finite.
     */
    double proposeTeacher(double alpha);

    /** Copies θS_prev and θT_prev into the outputs: a skipped step leaves the parameters unchanged. */
    void keepPrevious();
}
