package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;

import java.util.Map;

/**
 * The plain decoupled AdamW step θS ← θS·(1 − lr·wd) − lr·u (supervised, FixMatch, EMA-Teacher),
 * optionally followed by the teacher EMA θT ← m·θT + (1−m)·θS_t once per step (§1.3; FixMatch
 * keeps it for evaluation only, EMA-Teacher takes its pseudo-labels from it). Both run on the
 * optimizer's {@link UpdateBackend}.
 */
public final class AdamWUpdate implements ParameterUpdate {
    private final AdamWOptimizer optimizer;
    private final double emaMomentum;   // NaN: no teacher
    private UpdateBackend.TeacherEma ema;   // made on the first step, for the arrays it is given
    private float[] emaTeacher, emaStudent;

    private AdamWUpdate(AdamWOptimizer optimizer, double emaMomentum) {
        this.optimizer = optimizer;
        this.emaMomentum = emaMomentum;
    }

    /** Student only, with the engine's AdamW on the host. */
    public static AdamWUpdate studentOnly(AdamW adamW) {
        return studentOnly(new HostUpdateBackend.HostAdamW(adamW));
    }

    /** Student only. */
    public static AdamWUpdate studentOnly(AdamWOptimizer optimizer) {
        return new AdamWUpdate(optimizer, Double.NaN);
    }

    /** Student, then the EMA teacher with momentum {@code m}, on the host. */
    public static AdamWUpdate withEmaTeacher(AdamW adamW, double m) {
        return withEmaTeacher(new HostUpdateBackend.HostAdamW(adamW), m);
    }

    /** Student, then the EMA teacher with momentum {@code m}, on the optimizer's backend. */
    public static AdamWUpdate withEmaTeacher(AdamWOptimizer optimizer, double m) {
        if (!(m >= 0 && m <= 1)) throw new IllegalArgumentException("EMA momentum m must be in [0, 1], got " + m);
        return new AdamWUpdate(optimizer, m);
    }

    @Override
    public AdamWOptimizer optimizer() {
        return optimizer;
    }

    @Override
    public Applied apply(float[] student, float[] teacher, double lr, double loss) {
        optimizer.apply(student, lr);
        if (!Double.isNaN(emaMomentum)) {
            if (teacher == null) throw new IllegalArgumentException("the EMA update needs a teacher");
            if (ema == null || teacher != emaTeacher || student != emaStudent) {
                ema = optimizer.backend().teacherEma(teacher, student);
                emaTeacher = teacher;
                emaStudent = student;
            }
            ema.apply(emaMomentum);
        }
        return new Applied(true, Map.of());
    }
}
