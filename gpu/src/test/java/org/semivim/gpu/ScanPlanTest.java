package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanPlanTest {

    @Test
    void vimTinyAt224() {
        // 14×14 patches + class token, d_state 16
        ScanPlan p = ScanPlan.of(197, 16);
        assertEquals(16, p.lanes());
        assertEquals(4, p.chunkLen());
        assertEquals(50, p.chunks());
        assertEquals(800, p.threads());
    }

    @Test
    void everyPlanIsALegalLaunchCoveringTheSequence() {
        for (int states = 1; states <= 32; states++) {
            for (int len = 1; len <= 5000; len += (len < 100 ? 1 : 37)) {
                ScanPlan p = ScanPlan.of(len, states);
                if (p == null) {
                    assertTrue(len > 64 * (1024 / Integer.highestOneBit(2 * states - 1)), "refused a sequence it could run: L=" + len + " N=" + states);
                    continue;
                }
                assertTrue(p.lanes() >= states && Integer.bitCount(p.lanes()) == 1 && p.lanes() <= 32);
                assertEquals(0, p.threads() % 32, "whole warps");
                assertTrue(p.threads() <= 1024);
                assertTrue(p.chunkLen() <= ScanPlan.MAX_CHUNK_LEN);
                assertTrue((long) p.chunks() * p.chunkLen() >= len, "covers the sequence");
                assertTrue(p.backwardSharedBytes() <= 48 * 1024, "within the default shared memory limit");
            }
        }
    }

    @Test
    void unsupportedShapesHaveNoPlan() {
        assertNull(ScanPlan.of(197, 33), "more than 32 states");
        assertNull(ScanPlan.of(64 * 64 + 1, 16), "longer than 64 chunks of 64");
        assertNull(ScanPlan.of(0, 16));
    }
}
