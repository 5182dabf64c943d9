package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanPlanTest {

    @Test
    void vimTinyAt224Batch128() {
        // 14×14 patches + class token, d_inner 384, d_state 16: 12 tiles × 128 samples = 1 536 warps per chunk
        ScanPlan p = ScanPlan.of(128, 197, 384, 16);
        assertEquals(12, p.tiles());
        assertEquals(1, p.forwardChunks(), "1 536 warps ≥ 1 024: the forward walks the sequence in one chunk");
        assertEquals(197, p.forwardChunkLen());
        assertEquals(4 * 4 * 32 * 8, p.forwardSharedBytes(16), "the staging of 8 positions (B|C, u, Δ, z) is larger than the combine");
    }

    @Test
    void aSmallGridSplitsTheForward() {
        ScanPlan p = ScanPlan.of(16, 197, 384, 16);   // 192 warps: 6 chunks make 1 152
        assertEquals(6, p.forwardChunks());
        assertEquals(33, p.forwardChunkLen());
        assertEquals(8, ScanPlan.of(1, 197, 3, 16).forwardChunks(), "one warp: at most 8 chunks");
    }

    @Test
    void everyPlanIsALegalLaunchCoveringTheSequence() {
        for (int states = 1; states <= 16; states += 3) {
            for (int channels : new int[] {1, 31, 32, 33, 384}) {
                for (int batch : new int[] {1, 7, 128}) {
                    for (int len = 1; len <= 2000; len += (len < 70 ? 1 : 23)) {
                        ScanPlan p = ScanPlan.of(batch, len, channels, states);
                        assertEquals((channels + 31) / 32, p.tiles());
                        assertTrue(p.forwardChunks() >= 1 && p.forwardChunks() <= ScanPlan.MAX_FORWARD_CHUNKS);
                        assertTrue((long) p.forwardChunks() * p.forwardChunkLen() >= len, "covers the sequence");
                        assertTrue((long) (p.forwardChunks() - 1) * p.forwardChunkLen() < len, "no empty chunk");
                        assertTrue(p.forwardThreads() <= ScanPlan.MAX_THREADS);
                        assertTrue(p.forwardSharedBytes(states) <= 48 * 1024, "within the default shared memory limit");
                    }
                }
            }
        }
    }

    @Test
    void forwardChunksForTheSweep() {
        ScanPlan p = ScanPlan.of(128, 197, 384, 16);
        assertEquals(1, p.withForwardChunks(1, 197).forwardChunks());
        assertEquals(8, p.withForwardChunks(8, 197).forwardChunks());
        assertEquals(25, p.withForwardChunks(8, 197).forwardChunkLen());
        assertEquals(3, ScanPlan.of(1, 3, 8, 4).withForwardChunks(8, 3).forwardChunks(), "no empty chunks on a short sequence");
    }

    @Test
    void backwardAtVimTiny() {
        ScanPlan.Backward p = ScanPlan.backward(128, 197, 384, 16, 8);
        assertEquals(128 * 12, p.warps(), "one warp per sample and tile of 32 channels");
        assertEquals(3, p.warpsPerBlock(), "a warp's shared memory: 5 states × 16 × 32 + 8 Δ × 32 + 36 staged rows × 32 floats = 15.5 KiB; three fit 48 KiB");
        assertEquals(4 * (5 * 16 * 32 + 8 * 32 + 36 * 32) * 3, p.sharedBytes());
        assertEquals(512, p.blocks());
        assertEquals(25, p.checkpoints(), "ceil(197 / 8)");
        assertEquals(1536L * 25 * 16 * 32, p.checkpointFloats());
        assertEquals(1, ScanPlan.backward(128, 197, 384, 16, 16).warpsPerBlock(), "9 states a thread: 24.5 KiB a warp");
        assertEquals(p, ScanPlan.backward(128, 197, 384, 16, ScanPlan.DEFAULT_SEGMENT), "8: the default");
        ScanPlan.Backward twelve = ScanPlan.backward(128, 197, 384, 16, 12);
        assertEquals(2, twelve.warpsPerBlock(), "segments of 12: 7 states × 16 × 32 + 12 Δ × 32 + 36 rows × 32 floats = 20 KiB a warp");
        assertEquals(17, twelve.checkpoints(), "ceil(197 / 12)");
        assertEquals(1, ScanPlan.backward(1, 5, 3, 16, 8).warpsPerBlock(), "never more warps a block than warps");
        assertEquals(3, ScanPlan.backward(1, 5, 3, 16, 2).checkpoints());
    }

    @Test
    void backwardPlansFitAndCover() {
        for (int segment = 2; segment <= ScanPlan.MAX_SEGMENT; segment += 2) {
            for (int batch : new int[] {1, 3, 128}) {
                for (int len : new int[] {1, 2, 7, 197, 1000}) {
                    ScanPlan.Backward p = ScanPlan.backward(batch, len, 40, 16, segment);
                    assertTrue(p.sharedBytes() <= 48 * 1024, "shared memory within the default limit at segment " + segment);
                    assertTrue(p.warpsPerBlock() >= 1 && p.warpsPerBlock() <= ScanPlan.BACKWARD_MAX_WARPS);
                    assertTrue((long) p.blocks() * p.warpsPerBlock() >= p.warps() && (long) (p.blocks() - 1) * p.warpsPerBlock() < p.warps());
                    assertTrue((long) p.checkpoints() * segment >= len && (long) (p.checkpoints() - 1) * segment < len);
                }
            }
        }
        assertNull(ScanPlan.backward(2, 197, 384, 17, 8), "more than 16 states");
        for (int bad : new int[] {0, 1, 3, 18}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanPlan.backward(2, 197, 384, 16, bad));
        }
    }

    @Test
    void segmentLengthFromTheProperty() {
        assertEquals(ScanPlan.DEFAULT_SEGMENT, ScanPlan.parseSegment(null), "unset: the default");
        assertEquals(6, ScanPlan.parseSegment(" 6 "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanPlan.parseSegment("7"));
        assertTrue(e.getMessage().contains("semivim.cuda.scanBackwardSegment") && e.getMessage().contains("7"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanPlan.parseSegment("eight"));
        assertTrue(e.getMessage().contains("semivim.cuda.scanBackwardSegment") && e.getMessage().contains("eight"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanPlan.parseSegment("18"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CudaScanOps(EmulatedRuntime.shared(), 0, 5),
                "an odd segment length is refused when the ops are made, not at the first launch");
    }

    @Test
    void unsupportedShapesHaveNoPlan() {
        assertNull(ScanPlan.of(2, 197, 384, 17), "more than 16 states");
        assertTrue(ScanPlan.of(2, 5000, 384, 16) != null, "any length: the backward walks the whole sequence");
        assertTrue(ScanPlan.backward(2, 5000, 384, 16, ScanPlan.DEFAULT_SEGMENT) != null);
        assertNull(ScanPlan.of(2, 0, 384, 16));
        assertNull(ScanPlan.of(0, 197, 384, 16));
    }
}
