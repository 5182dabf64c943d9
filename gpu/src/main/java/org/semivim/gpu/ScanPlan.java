package org.semivim.gpu;

/**
 * Launch geometry of the chunked selective scan ({@code scan.cu}): one block per (channel, sample)
 * of {@code chunks × lanes} threads, {@code lanes} = the state count rounded up to a power of two
 * (≤ 32), each chunk covering {@code chunkLen} ≤ {@value #MAX_CHUNK_LEN} consecutive positions.
 * Chunks are made as short as possible (≥ {@value #MIN_CHUNK_LEN}) within 1024 threads; the chunk
 * count is rounded up so that a block is whole warps (extra chunks are empty).
 */
public record ScanPlan(int lanes, int chunks, int chunkLen) {
    static final int MAX_CHUNK_LEN = 64;   // SCAN_TMAX in scan.cu
    static final int MIN_CHUNK_LEN = 4;
    static final int MAX_THREADS = 1024;

    /** The plan for sequences of {@code len} positions with {@code states} states, or null when the kernel cannot run them. */
    public static ScanPlan of(int len, int states) {
        if (len < 1 || states < 1 || states > 32) return null;
        int lanes = Integer.highestOneBit(states);
        if (lanes < states) lanes <<= 1;
        int maxChunks = MAX_THREADS / lanes;
        int chunkLen = Math.max(MIN_CHUNK_LEN, (len + maxChunks - 1) / maxChunks);
        if (chunkLen > MAX_CHUNK_LEN) return null;
        int chunks = (len + chunkLen - 1) / chunkLen;
        int perWarp = Math.max(1, 32 / lanes);
        chunks = (chunks + perWarp - 1) / perWarp * perWarp;
        return new ScanPlan(lanes, chunks, chunkLen);
    }

    public int threads() {
        return chunks * lanes;
    }

    public int forwardSharedBytes() {
        return 4 * 3 * chunks * lanes;
    }

    public int backwardSharedBytes() {
        return 4 * (6 * chunks * lanes + 2 * chunks);
    }
}
