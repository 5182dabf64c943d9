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
        assertEquals(16, p.backwardChunks());
        assertEquals(13, p.backwardChunkLen());
        assertEquals(512, p.backwardThreads());
        assertEquals(4 * 4 * 32 * 8, p.forwardSharedBytes(16), "the staging of 8 positions (B|C, u, Δ, z) is larger than the combine");
        assertEquals(48 * 1024, p.backwardSharedBytes(16), "16 warps × 4 positions × (B|C + 5 tensors) × 32 floats: exactly the default limit");
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
                    for (int len = 1; len <= 600; len += (len < 70 ? 1 : 23)) {
                        ScanPlan p = ScanPlan.of(batch, len, channels, states);
                        if (p == null) {
                            assertTrue(len > ScanPlan.MAX_CHUNKS * ScanPlan.MAX_BACKWARD_CHUNK_LEN, "refused a sequence it could run: L=" + len);
                            continue;
                        }
                        assertEquals((channels + 31) / 32, p.tiles());
                        assertTrue(p.forwardChunks() <= ScanPlan.MAX_FORWARD_CHUNKS);
                        for (int[] chunks : new int[][] {{p.forwardChunks(), p.forwardChunkLen()}, {p.backwardChunks(), p.backwardChunkLen()}}) {
                            assertTrue(chunks[0] >= 1 && chunks[0] <= ScanPlan.MAX_CHUNKS);
                            assertTrue((long) chunks[0] * chunks[1] >= len, "covers the sequence");
                            assertTrue((long) (chunks[0] - 1) * chunks[1] < len, "no empty chunk");
                        }
                        assertTrue(p.backwardChunkLen() <= ScanPlan.MAX_BACKWARD_CHUNK_LEN);
                        assertTrue(p.backwardThreads() <= ScanPlan.MAX_THREADS && p.forwardThreads() <= ScanPlan.MAX_THREADS);
                        assertTrue(p.backwardSharedBytes(states) <= 48 * 1024, "within the default shared memory limit");
                        assertTrue(p.forwardSharedBytes(states) <= 48 * 1024);
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
    void backwardV2AtVimTiny() {
        ScanPlan.BackwardV2 p = ScanPlan.backwardV2(128, 197, 384, 16, 8);
        assertEquals(128 * 12, p.warps(), "one warp per sample and tile of 32 channels");
        assertEquals(3, p.warpsPerBlock(), "a warp's shared memory: 5 states × 16 × 32 + 8 Δ × 32 + 24 staged rows × 32 floats = 14.3 KiB; three fit 48 KiB");
        assertEquals(4 * (5 * 16 * 32 + 8 * 32 + 24 * 32) * 3, p.sharedBytes());
        assertEquals(512, p.blocks());
        assertEquals(25, p.checkpoints(), "ceil(197 / 8)");
        assertEquals(1536L * 25 * 16 * 32, p.checkpointFloats());
        assertEquals(2, ScanPlan.backwardV2(128, 197, 384, 16, 16).warpsPerBlock(), "9 states a thread: 23.5 KiB a warp");
        assertEquals(1, ScanPlan.backwardV2(1, 5, 3, 16, 8).warpsPerBlock(), "never more warps a block than warps");
        assertEquals(3, ScanPlan.backwardV2(1, 5, 3, 16, 2).checkpoints());
    }

    @Test
    void backwardV2PlansFitAndCover() {
        for (int segment = 2; segment <= ScanPlan.V2_MAX_SEGMENT; segment += 2) {
            for (int batch : new int[] {1, 3, 128}) {
                for (int len : new int[] {1, 2, 7, 197, 1000}) {
                    ScanPlan.BackwardV2 p = ScanPlan.backwardV2(batch, len, 40, 16, segment);
                    assertTrue(p.sharedBytes() <= 48 * 1024, "shared memory within the default limit at segment " + segment);
                    assertTrue(p.warpsPerBlock() >= 1 && p.warpsPerBlock() <= ScanPlan.V2_MAX_WARPS);
                    assertTrue((long) p.blocks() * p.warpsPerBlock() >= p.warps() && (long) (p.blocks() - 1) * p.warpsPerBlock() < p.warps());
                    assertTrue((long) p.checkpoints() * segment >= len && (long) (p.checkpoints() - 1) * segment < len);
                }
            }
        }
        assertNull(ScanPlan.backwardV2(2, 197, 384, 17, 8), "more than 16 states");
        for (int bad : new int[] {0, 1, 3, 18}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanPlan.backwardV2(2, 197, 384, 16, bad));
        }
    }

    @Test
    void variantsFromProperties() {
        assertEquals(ScanKernels.DEFAULT, ScanKernels.parse(null, null, null), "unset: v1 and v1");
        ScanKernels k = ScanKernels.parse(" V2 ", "v2", null);
        assertEquals(ScanKernels.Variant.V2, k.forward());
        assertEquals(ScanKernels.Variant.V2, k.backward());
        assertEquals(ScanPlan.V2_DEFAULT_SEGMENT, k.segmentLen());
        assertEquals(ScanKernels.DEFAULT.withBackwardV2Segment(12), ScanKernels.parse("v1", "v2", "12"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanKernels.parse(null, "v3", null));
        assertTrue(e.getMessage().contains("semivim.cuda.scanBackward") && e.getMessage().contains("v3"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanKernels.parse("fast", null, null));
        assertTrue(e.getMessage().contains("semivim.cuda.scanForward"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanKernels.parse(null, "v2", "7"));
        assertTrue(e.getMessage().contains("semivim.cuda.scanBackwardSegment"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ScanKernels.parse(null, "v2", "eight"));
    }

    @Test
    void unsupportedShapesHaveNoPlan() {
        assertNull(ScanPlan.of(2, 197, 384, 17), "more than 16 states");
        assertNull(ScanPlan.of(2, 16 * 32 + 1, 384, 16), "longer than 16 chunks of 32");
        assertTrue(ScanPlan.of(2, 16 * 32, 384, 16) != null);
        assertNull(ScanPlan.of(2, 0, 384, 16));
        assertNull(ScanPlan.of(0, 197, 384, 16));
    }
}
