package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;

import java.util.Map;

/**
 * The plain decoupled AdamW step θS ← θS·(1 − lr·wd) − lr·u (supervised, FixMatch, EMA-Teacher),
 * optionally followed by the teacher EMA θT ← m·θT + (1−m)·θS_t once per step (§1.3; FixMatch
 * keeps it for evaluation only, EMA-Teacher takes its pseudo-labels from it).
 */
public final class AdamWUpdate implements ParameterUpdate {
    private final AdamW adamW;
    private final double emaMomentum;   // NaN: no teacher

    private AdamWUpdate(AdamW adamW, double emaMomentum) {
        this.adamW = adamW;
        this.emaMomentum = emaMomentum;
    }

    /** Student only. */
    public static AdamWUpdate studentOnly(AdamW adamW) {
        return new AdamWUpdate(adamW, Double.NaN);
    }

    /** Student, then the EMA teacher with momentum {@code m}. */
    public static AdamWUpdate withEmaTeacher(AdamW adamW, double m) {
        if (!(m >= 0 && m <= 1)) throw new IllegalArgumentException("EMA momentum m must be in [0, 1], got " + m);
        return new AdamWUpdate(adamW, m);
    }

    @Override
    public Applied apply(float[] student, float[] teacher, float[] direction, double lr, double loss) {
        adamW.apply(student, direction, lr, adamW.weightDecay(), student);
        if (!Double.isNaN(emaMomentum)) {
            if (teacher == null) throw new IllegalArgumentException("the EMA update needs a teacher");
            EmaUpdate.apply(teacher, student, emaMomentum);
        }
        return new Applied(true, Map.of());
    }
}
