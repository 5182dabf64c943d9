package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The scan benchmark's byte counts (docs/gpu.md's table) and its verdict line; the timing itself needs a GPU. */
class ScanKernelBenchTest {

    @Test
    void compulsoryBytesAtVimTinyBatch128() {
        long tok = 128L * 197 * 384, st = 128L * 197 * 16;
        assertEquals(196_886_528, ScanKernelBench.forwardBytes(tok, st), 0, "5 token tensors + B and C: 197 MB");
        assertEquals(397_000_704, ScanKernelBench.backwardBytes(tok, st), 0, "10 token tensors + 6 B/C-sized: 397 MB");
    }

    @Test
    void theVerdictNamesThePropertiesOfTheFasterKernels() {
        ScanKernelBench.Times v2Wins = new ScanKernelBench.Times(1600, 1800, 300, 900, 6, 2300, 3352);
        assertEquals("-Dsemivim.cuda.scanForward=v2 -Dsemivim.cuda.scanBackward=v2 -Dsemivim.cuda.scanBackwardSegment=6", v2Wins.fasterProperties());
        ScanKernelBench.Times v1Wins = new ScanKernelBench.Times(1600, 1500, 300, 200, 8, 2300, 3352);
        assertEquals("-Dsemivim.cuda.scanForward=v1 -Dsemivim.cuda.scanBackward=v1", v1Wins.fasterProperties());
        ScanKernels parsed = ScanKernels.parse("v2", "v2", "6");
        assertEquals(ScanKernels.Variant.V2, parsed.backward());
        assertEquals(6, parsed.segmentLen());
    }
}
