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
    void unsupportedShapesHaveNoPlan() {
        assertNull(ScanPlan.of(2, 197, 384, 17), "more than 16 states");
        assertNull(ScanPlan.of(2, 16 * 32 + 1, 384, 16), "longer than 16 chunks of 32");
        assertTrue(ScanPlan.of(2, 16 * 32, 384, 16) != null);
        assertNull(ScanPlan.of(2, 0, 384, 16));
        assertNull(ScanPlan.of(0, 197, 384, 16));
    }
}
