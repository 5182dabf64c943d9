package org.semivim.training.update;

import org.junit.jupiter.api.Test;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.training.lyapema.LyapEmaConfig;
import org.semivim.training.lyapema.LyapEmaState;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The loop's glue around the LyapEMA rules: one Adam direction per step, student and teacher committed together. */
class LyapEmaParameterUpdateTest {
    private static final int N = 60;

    private static float[] random(long seed) {
        float[] a = new float[N];
        CounterRng rng = CounterRng.of(seed, "lyapema-glue");
        for (int i = 0; i < N; i++) a[i] = (float) rng.normal(i);
        return a;
    }

    private static ParameterSet params() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("w", 6, 10);
        return b.build();
    }

    /** With lam = 0 and s fixed at 1 the student is exactly the plain AdamW step, and the teacher is α·θT + (1−α)·θS. */
    @Test
    void withoutPullOrHalvingTheStudentIsPlainAdamWAndTheTeacherAnAlphaEma() {
        LyapEmaConfig noPull = new LyapEmaConfig(LyapEmaConfig.GammaMode.FIXED, 0.99, 3.0, 0, 0, 0, 1.0, 1, LyapEmaConfig.Pull.IMPLICIT);
        ParameterSet p = params(), ref = params();
        System.arraycopy(random(1), 0, p.flatValues().data, 0, N);
        System.arraycopy(random(1), 0, ref.flatValues().data, 0, N);
        float[] teacher = p.flatValues().toArray();
        AdamW adam = new AdamW(p, 0.05), refAdam = new AdamW(ref, 0.05);
        LyapEmaParameterUpdate update = new LyapEmaParameterUpdate(adam, noPull, p.flatValues().data, teacher);
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.01), 0, update);
        for (int step = 0; step < 4; step++) {
            float[] g = random(10 + step);
            float[] teacherBefore = teacher.clone();
            UpdatePhase.Outcome o = phase.apply(step, g.clone(), 1.0, p.flatValues().data, teacher);
            System.arraycopy(g, 0, ref.flatGrads().data, 0, N);
            refAdam.step(0.01);
            assertFalse(o.skipped());
            assertArrayEquals(ref.flatValues().toArray(), p.flatValues().toArray(), "step " + step + ": student = AdamW");
            assertEquals(step + 1, adam.stepCount(), "moments advance once per step");
            double alpha = (Double) o.methodFields().get("alpha");
            for (int i = 0; i < N; i++) {
                double expected = alpha * teacherBefore[i] + (1 - alpha) * p.flatValues().data[i];
                assertEquals(expected, teacher[i], 1e-6 * Math.max(1, Math.abs(expected)));
            }
            assertEquals(1.0, o.methodFields().get("s"));
        }
        assertEquals(4, update.lyapEmaState().steps());
    }

    @Test
    void recordFieldsAndStateRoundTrip() {
        ParameterSet p = params();
        System.arraycopy(random(2), 0, p.flatValues().data, 0, N);
        float[] teacher = p.flatValues().toArray();
        AdamW adam = new AdamW(p, 0.05);
        LyapEmaParameterUpdate update = new LyapEmaParameterUpdate(adam, LyapEmaConfig.defaults(), p.flatValues().data, teacher);
        assertEquals(0.0, update.lyapEmaState().vPrev(), "the teacher starts as a copy: V_0 = 0 (R-L6 disarms step 1)");
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.01), 0, update);
        UpdatePhase.Outcome first = phase.apply(0, random(20), 1.0, p.flatValues().data, teacher);
        assertEquals(false, first.methodFields().get("violated"));
        assertEquals(0.99, (Double) first.methodFields().get("alpha"), 1e-9, "calibrated: α_1 = alpha_ref (R-L5)");
        for (String key : new String[] {"alpha", "d", "v", "v_prev", "s", "lam", "gamma", "lr_effective", "violated",
                "still_violated_after_retry", "retries", "lyapema_skip"}) {
            assertTrue(first.methodFields().containsKey(key), key);
        }
        for (int step = 1; step < 6; step++) phase.apply(step, random(20 + step), 1.0, p.flatValues().data, teacher);
        Map<String, Object> saved = update.state();
        LyapEmaState before = update.lyapEmaState();
        LyapEmaParameterUpdate other = new LyapEmaParameterUpdate(new AdamW(params(), 0.05), LyapEmaConfig.defaults(), new float[N], new float[N]);
        other.restore(saved);
        assertEquals(before, other.lyapEmaState());
        assertThrows(IllegalArgumentException.class, () -> other.restore(Map.of("s", 1.0)));
    }

    @Test
    void aNonFiniteLossIsNeverCommitted() {
        ParameterSet p = params();
        System.arraycopy(random(3), 0, p.flatValues().data, 0, N);
        float[] teacher = random(4);
        AdamW adam = new AdamW(p, 0.05);
        LyapEmaParameterUpdate update = new LyapEmaParameterUpdate(adam, LyapEmaConfig.defaults(), p.flatValues().data, teacher);
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.01), 0, update);
        float[] student = p.flatValues().toArray(), teacherBefore = teacher.clone();
        LyapEmaState state = update.lyapEmaState();
        UpdatePhase.Outcome o = phase.apply(0, random(5), Double.POSITIVE_INFINITY, p.flatValues().data, teacher);
        assertTrue(o.skipped());
        assertArrayEquals(student, p.flatValues().toArray());
        assertArrayEquals(teacherBefore, teacher);
        assertEquals(state, update.lyapEmaState());
    }
}
