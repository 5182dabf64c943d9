package org.semivim.actors;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.GradClip;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.UpdateBackend;

import java.util.Set;

/**
 * A trainer's copy of the supervisor's plain AdamW commit (no actor code; {@link StudentTrainer} calls
 * it): θS of its version, the AdamW state (step count, m, v) and the summed gradient the trainer sent for
 * that version's step. A {@link StudentTrainer.CommitNote} for the next version is applied with the
 * supervisor's arithmetic in the supervisor's order ({@code UpdatePhase.apply} with {@code
 * AdamWUpdate}: clip to the config's max norm, the Adam moments once, θS ← θS·(1 − lr·wd) − lr·u with
 * the note's lr; nothing moves when the note says the step was skipped), so θS gets the supervisor's
 * bits; the note's digest of θS checks it.
 */
final class CommitMirror {

    /** What became of a note. */
    enum Outcome {
        /** θS and the moments are now those of the note's version, and the digest matched. */
        APPLIED,
        /** The mirror lacks what the note needs (the moments, θS of the version before, or that step's gradient): nothing changed. */
        CANNOT,
        /** The note was applied but θS's digest differs from the supervisor's: the mirror is forgotten. */
        DIGEST_MISMATCH
    }

    private final AdamWOptimizer optimizer;   // host AdamW over the replica's parameter layout (decay / no-decay runs)
    private final double clip;
    private long version = -1;                // -1: nothing mirrored
    private float[] student;                  // [P] θS after `version` steps, this mirror's own array
    private long gradientStep = -1;
    private float[] gradient;                 // [P] Σ_s g_s of step gradientStep, as sent
    private float[] clipped;                  // [P] the clipped copy of gradient, reused

    /** {@code layout}: the model's parameters (only their layout is used), {@code weightDecay} and {@code clip} the run's. */
    CommitMirror(ParameterSet layout, double weightDecay, double clip) {
        this.optimizer = UpdateBackend.cpu().adamW(layout, weightDecay, Set.of());
        this.clip = clip;
    }

    /** Starts mirroring from θS of {@code version} [P] and the AdamW state (both copied). */
    void install(long version, float[] parameters, AdamW.State moments) {
        optimizer.restore(moments);   // checks the lengths
        this.student = parameters.clone();
        this.version = version;
        this.gradient = null;
        this.gradientStep = -1;
    }

    /** Stops mirroring (θS came without the moments, or a note could not be applied). */
    void forget() {
        version = -1;
        student = null;
        gradient = null;
        gradientStep = -1;
    }

    boolean mirroring() {
        return version >= 0;
    }

    /** θS of {@link #version()} (this mirror's array: it changes in place when a note is applied). */
    float[] student() {
        return student;
    }

    long version() {
        return version;
    }

    /** Keeps step {@code step}'s summed gradient [P], as sent (not modified here: a note clips a copy). */
    void keepGradient(long step, float[] sum) {
        if (!mirroring() || step != version) return;
        gradientStep = step;
        gradient = sum;
    }

    /** Applies the commit of step {@code note.version() − 1}. */
    Outcome apply(StudentTrainer.CommitNote note) {
        long step = note.version() - 1;
        if (!mirroring() || version != step || gradientStep != step || gradient == null) return Outcome.CANNOT;
        if (!note.skipped()) {
            // the sent array may be the supervisor's (one JVM): clip a copy, in a buffer kept across steps
            if (clipped == null || clipped.length != gradient.length) clipped = new float[gradient.length];
            float[] g = clipped;
            System.arraycopy(gradient, 0, g, 0, g.length);
            if (clip > 0) GradClip.clip(Tensor.wrap(g, g.length), clip);
            optimizer.updateMoments(g);
            optimizer.apply(student, note.lr());
        }
        version = note.version();
        gradient = null;
        gradientStep = -1;
        if (CommitNotes.digest(student) != note.digest()) {
            forget();
            return Outcome.DIGEST_MISMATCH;
        }
        return Outcome.APPLIED;
    }
}
