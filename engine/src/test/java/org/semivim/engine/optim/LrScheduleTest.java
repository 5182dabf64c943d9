package org.semivim.engine.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    @Test
    void warmupCosineAtKeySteps() {
        // base 1e-3, min 1e-6, 10 warm-up steps, 110 in all: the cosine spans steps 10..110
        LrSchedule s = LrSchedule.warmupCosine(1e-3, 1e-6, 10, 110);
        assertEquals(0.0, s.at(0), 0.0, "warm-up starts at 0 (MAE rule)");
        assertEquals(5e-4, s.at(5), 1e-18, "half-way through warm-up");
        assertEquals(9e-4, s.at(9), 1e-18);
        assertEquals(1e-3, s.at(10), 1e-18, "end of warm-up = base lr");
        assertEquals((1e-3 + 1e-6) / 2, s.at(60), 1e-15, "middle of the cosine = mean of base and min");
        double quarter = 1e-6 + (1e-3 - 1e-6) * 0.5 * (1 + Math.cos(Math.PI / 4));
        assertEquals(quarter, s.at(35), 1e-15);
        assertEquals(1e-6, s.at(110), 0.0, "end = min lr");
        assertEquals(1e-6, s.at(10_000), 0.0, "after the end stays at min lr");
        for (long t = 10; t < 110; t++) assertTrue(s.at(t + 1) <= s.at(t), "non-increasing after warm-up at " + t);
    }

    @Test
    void noWarmup() {
        LrSchedule s = LrSchedule.warmupCosine(2.0, 0.0, 0, 4);
        assertEquals(2.0, s.at(0), 0.0);
        assertEquals(1.0, s.at(2), 1e-15);
        assertEquals(0.0, s.at(4), 0.0);
    }

    @Test
    void constant() {
        LrSchedule s = LrSchedule.constant(1e-4);
        assertEquals(1e-4, s.at(0), 0.0);
        assertEquals(1e-4, s.at(123_456_789L), 0.0);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(-1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1e-3, 1e-2, 0, 10), "min > base");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1e-3, 0, -1, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1e-3, 0, 11, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1e-3, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(Double.POSITIVE_INFINITY, 0, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(1).at(-1));
    }
}
