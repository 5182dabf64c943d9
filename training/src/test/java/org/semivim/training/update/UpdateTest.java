package org.semivim.training.update;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;

import static org.junit.jupiter.api.Assertions.*;

class UpdateTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static float[] random(int n, long seed) {
        float[] a = new float[n];
        CounterRng rng = CounterRng.of(seed, "update-test");
        for (int i = 0; i < n; i++) a[i] = (float) rng.normal(i);
        return a;
    }

    private static ParameterSet params(int n) {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("w", n / 10, 10);
        return b.build();
    }

    @Test
    void emaIsTheFloatFormulaElementwiseForAnyThreadCount() {
        int n = 100_003;   // several chunks
        float[] teacher = random(n, 1), student = random(n, 2);
        double m = 0.9999;
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = (float) m * teacher[i] + (float) (1 - m) * student[i];
        Parallel.setThreads(1);
        float[] one = teacher.clone();
        EmaUpdate.apply(one, student, m);
        Parallel.setThreads(3);
        float[] three = teacher.clone();
        EmaUpdate.apply(three, student, m);
        assertArrayEquals(expected, one);
        assertArrayEquals(expected, three);

        float[] keep = teacher.clone();
        EmaUpdate.apply(keep, student, 1.0);
        assertArrayEquals(teacher, keep, "m = 1 keeps the teacher");
        float[] copy = teacher.clone();
        EmaUpdate.apply(copy, student, 0.0);
        assertArrayEquals(student, copy, "m = 0 copies the student");
        assertThrows(IllegalArgumentException.class, () -> EmaUpdate.apply(teacher.clone(), student, 1.5));
        assertThrows(IllegalArgumentException.class, () -> EmaUpdate.apply(new float[3], student, 0.5));
    }

    @Test
    void theUpdateIsAdamWThenEmaWithOneMomentUpdatePerStep() {
        ParameterSet p = params(40);
        float[] student = p.flatValues().data;
        System.arraycopy(random(40, 3), 0, student, 0, 40);
        float[] teacher = random(40, 4);
        AdamW adam = new AdamW(p, 0.05);
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.01), 0, AdamWUpdate.withEmaTeacher(adam, 0.9));

        ParameterSet refP = params(40);
        AdamW ref = new AdamW(refP, 0.05);
        float[] refStudent = refP.flatValues().data;
        System.arraycopy(student, 0, refStudent, 0, 40);
        float[] refTeacher = teacher.clone();
        for (int step = 0; step < 3; step++) {
            float[] g = random(40, 10 + step);
            UpdatePhase.Outcome o = phase.apply(step, g.clone(), 1.0, student, teacher);
            assertFalse(o.skipped());
            assertEquals(step + 1, adam.stepCount());
            System.arraycopy(g, 0, refP.flatGrads().data, 0, 40);
            ref.step(0.01);
            EmaUpdate.apply(refTeacher, refStudent, 0.9);
            assertArrayEquals(refStudent, student, "student = AdamW step");
            assertArrayEquals(refTeacher, teacher, "teacher = EMA of the new student");
        }
    }

    @Test
    void clippingReportsTheNormBeforeClipping() {
        ParameterSet p = params(20);
        AdamW adam = new AdamW(p, 0);
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.1), 1.0, AdamWUpdate.studentOnly(adam));
        float[] g = new float[20];
        g[0] = 3;
        g[1] = 4;
        UpdatePhase.Outcome o = phase.apply(0, g, 1.0, p.flatValues().data, null);
        assertEquals(5.0, o.gradNorm(), 1e-12);
        assertEquals(0.6f, g[0], 1e-6f, "clipped in place to norm 1");
        assertEquals(0.1, o.lr());
    }

    @Test
    void aNonFiniteGradientSkipsTheStepAndCommitsNothing() {
        ParameterSet p = params(20);
        System.arraycopy(random(20, 5), 0, p.flatValues().data, 0, 20);
        AdamW adam = new AdamW(p, 0.05);
        float[] teacher = random(20, 6);
        UpdatePhase phase = new UpdatePhase(adam, LrSchedule.constant(0.1), 0, AdamWUpdate.withEmaTeacher(adam, 0.5));
        float[] before = p.flatValues().toArray(), teacherBefore = teacher.clone();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] g = random(20, 7);
            g[3] = bad;
            UpdatePhase.Outcome o = phase.apply(0, g, 1.0, p.flatValues().data, teacher);
            assertTrue(o.skipped());
            assertTrue(Double.isNaN(o.gradNorm()));
            assertEquals(0, adam.stepCount(), "moments not advanced");
            assertArrayEquals(before, p.flatValues().toArray());
            assertArrayEquals(teacherBefore, teacher);
        }
        UpdatePhase.Outcome nanLoss = phase.apply(0, random(20, 8), Double.NaN, p.flatValues().data, teacher);
        assertTrue(nanLoss.skipped(), "a NaN loss with a finite gradient is skipped too");
        assertEquals(0, adam.stepCount());
        assertArrayEquals(before, p.flatValues().toArray());
    }
}
