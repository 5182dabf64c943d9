package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan benchmark's byte counts (docs/gpu.md's table) and its verdict; the timing itself needs a GPU. */
class ScanKernelBenchTest {

    @Test
    void compulsoryBytesAtVimTinyBatch128() {
        long tok = 128L * 197 * 384, st = 128L * 197 * 16;
        assertEquals(196_886_528, ScanKernelBench.forwardBytes(tok, st), 0, "5 token tensors + B and C: 197 MB");
        assertEquals(397_000_704, ScanKernelBench.backwardBytes(tok, st), 0, "10 token tensors + 6 B/C-sized: 397 MB");
    }

    @Test
    void theVerdictNamesThePropertyOfAFasterSegmentLength() {
        ScanKernelBench.Times otherWins = new ScanKernelBench.Times(2000, 540, 560, 6, 2600, 3352);
        assertEquals("-Dsemivim.cuda.scanBackwardSegment=6", otherWins.fasterProperty());
        assertEquals(6, ScanPlan.parseSegment(otherWins.fasterProperty().substring(otherWins.fasterProperty().indexOf('=') + 1)),
                "the printed property is one the backend accepts");
        ScanKernelBench.Times defaultWins = new ScanKernelBench.Times(2000, 550, 550, ScanPlan.DEFAULT_SEGMENT, 2600, 3352);
        assertEquals("", defaultWins.fasterProperty(), "nothing to set when the default was the fastest");
    }

    @Test
    void aTimingCoversSeveralLaunches() {
        assertTrue(ScanKernelBench.LAUNCHES_PER_TIMING >= 10, "the host's launch cost (~10 µs through JNI) must stay small against a 0.1 ms kernel");
    }
}
