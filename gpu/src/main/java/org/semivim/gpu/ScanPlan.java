package org.semivim.gpu;

/**
 * Launch geometry of the chunked selective scan ({@code scan.cu}, docs/gpu.md "Selective scan"):
 * forward grid ({@link #tiles tiles} of {@value #TILE} consecutive channels, samples), backward grid
 * (samples, tiles: blocks running together are mostly of different samples, so their dB/dC atomics
 * meet less), block ({@value #TILE}, chunks): thread x is a channel (a warp reads whole 128-byte lines of a token row), thread y a chunk
 * of consecutive positions; every thread keeps its channel's N ≤ {@value #MAX_STATES} states.
 * <ul>
 * <li>Forward: few chunks. With W chunks every position's decays are computed twice (phase 1 and 3),
 * with W = 1 once, so chunks are only added while the grid has fewer than {@value #TARGET_WARPS}
 * warps (too few to keep the memory system busy), at most {@value #MAX_FORWARD_CHUNKS}, each ≥
 * {@value #MIN_FORWARD_CHUNK_LEN} positions.</li>
 * <li>Backward: many short chunks ({@value #MAX_CHUNKS}, each ≥ {@value #MIN_BACKWARD_CHUNK_LEN}
 * positions): a thread recomputes its chunk's states and keeps every other one in a local buffer of
 * (chunkLen / 2 + 1) × N floats, so short chunks keep it small; chunkLen ≤ {@value #MAX_BACKWARD_CHUNK_LEN} (SCAN_TMAX).</li>
 * </ul>
 * Chunk counts are then lowered to ceil(len / chunkLen), so no chunk is empty.
 */
public record ScanPlan(int tiles, int forwardChunks, int forwardChunkLen, int backwardChunks, int backwardChunkLen) {
    static final int TILE = 32;                    // channels per block (the warp width)
    static final int MAX_STATES = 16;              // SCAN_MAXN in scan.cu
    static final int MAX_CHUNKS = 16;              // warps per block: 512 threads
    static final int MAX_FORWARD_CHUNKS = 8;       // the forward's staging buffers (4 KiB a warp) within 48 KiB
    static final int FORWARD_SUB = 8;              // SCAN_FWD_SUB: positions a forward warp stages at a time
    static final int BACKWARD_SUB = 4;             // SCAN_BWD_SUB
    static final int MAX_BACKWARD_CHUNK_LEN = 32;  // SCAN_TMAX in scan.cu
    static final int MIN_BACKWARD_CHUNK_LEN = 4;
    static final int MIN_FORWARD_CHUNK_LEN = 16;
    static final int TARGET_WARPS = 1024;          // ≈ 8 warps on each of an H100's 132 multiprocessors
    static final int MAX_THREADS = TILE * MAX_CHUNKS;

    /**
     * The plan for {@code batch} sequences of {@code len} positions, {@code channels} channels and
     * {@code states} states, or null when the kernels cannot run them (more than 16 states, or
     * longer than {@value #MAX_CHUNKS} chunks of {@value #MAX_BACKWARD_CHUNK_LEN}).
     */
    public static ScanPlan of(int batch, int len, int channels, int states) {
        if (batch < 1 || len < 1 || channels < 1 || states < 1 || states > MAX_STATES) return null;
        int tiles = ceil(channels, TILE);
        int bwChunks = Math.min(MAX_CHUNKS, ceil(len, MIN_BACKWARD_CHUNK_LEN));
        int bwLen = ceil(len, bwChunks);
        if (bwLen > MAX_BACKWARD_CHUNK_LEN) return null;
        long warps = (long) batch * tiles;
        int fwChunks = (int) Math.max(1, Math.min(Math.min(MAX_FORWARD_CHUNKS, ceil(len, MIN_FORWARD_CHUNK_LEN)), ceil(TARGET_WARPS, warps)));
        int fwLen = ceil(len, fwChunks);
        return new ScanPlan(tiles, ceil(len, fwLen), fwLen, ceil(len, bwLen), bwLen);
    }

    /** This plan with the forward split into {@code chunks} chunks (fewer when the sequence is short); the benchmark's sweep. */
    ScanPlan withForwardChunks(int chunks, int len) {
        if (chunks < 1 || chunks > MAX_FORWARD_CHUNKS) {
            throw new IllegalArgumentException("forward chunks must be in [1, " + MAX_FORWARD_CHUNKS + "]: " + chunks);
        }
        int fwLen = ceil(len, chunks);
        return new ScanPlan(tiles, ceil(len, fwLen), fwLen, backwardChunks, backwardChunkLen);
    }

    private static int ceil(long a, long b) {
        return (int) ((a + b - 1) / b);
    }

    public int forwardThreads() {
        return TILE * forwardChunks;
    }

    public int backwardThreads() {
        return TILE * backwardChunks;
    }

    /** The combine (end states and Σ Δ: (N + 1)·32 floats a chunk) and, in the same space, each warp's staging (B|C rows, u, Δ_raw, z). */
    public int forwardSharedBytes(int states) {
        return 4 * Math.max((states + 1) * TILE, 4 * TILE * FORWARD_SUB) * forwardChunks;
    }

    static final int V2_MAX_WARPS = 4;             // SCAN2_MAX_WARPS in scan.cu: blocks of ≤ 128 threads
    static final int V2_MAX_SEGMENT = 16;          // SCAN2_MAXK
    static final int V2_FORWARD_SUB = 8;           // SCAN2_FWD_SUB: 3·8 staged rows = the walk's 6·4
    public static final int V2_DEFAULT_SEGMENT = 8;
    static final int SHARED_LIMIT = 48 * 1024;     // dynamic shared memory without the opt-in attribute

    /**
     * Launch geometry of {@code scan_bwd_v2} ({@code scan_v2.cu}, docs/gpu.md, "Selective scan, v2 kernels"): one warp per
     * (sample, tile of 32 channels) walking the whole sequence, {@code warpsPerBlock} independent warps a
     * block, the sequence in segments of {@code segmentLen} positions (a checkpoint of 16 states before each).
     */
    public record BackwardV2(int warps, int warpsPerBlock, int blocks, int segmentLen, int checkpoints) {
        /** One warp's shared memory in floats: the even-count states (K/2 + 1)·16·32, the Δ of the segment K·32, the staging 6·SUB·32. */
        static int warpFloats(int segmentLen) {
            return (segmentLen / 2 + 1) * MAX_STATES * TILE + segmentLen * TILE + 6 * BACKWARD_SUB * TILE;
        }

        public int sharedBytes() {
            return 4 * warpFloats(segmentLen) * warpsPerBlock;
        }

        /** The global scratch of the checkpoints: [warps][checkpoints][16][32] floats. */
        public long checkpointFloats() {
            return (long) warps * checkpoints * MAX_STATES * TILE;
        }

        public int threads() {
            return TILE * warpsPerBlock;
        }
    }

    /**
     * The v2 backward's plan for {@code batch} sequences of {@code len} positions, {@code channels}
     * channels and {@code states} states in segments of {@code segmentLen} positions (even, 2 … {@value
     * #V2_MAX_SEGMENT}), or null when the kernel cannot run it (more than 16 states). As many warps a block
     * as the shared memory limit allows, at most {@value #V2_MAX_WARPS}; no limit on the length.
     */
    public static BackwardV2 backwardV2(int batch, int len, int channels, int states, int segmentLen) {
        if (segmentLen < 2 || segmentLen > V2_MAX_SEGMENT || segmentLen % 2 != 0) {
            throw new IllegalArgumentException("scan backward v2: the segment length must be even and in [2, " + V2_MAX_SEGMENT + "]: " + segmentLen);
        }
        if (batch < 1 || len < 1 || channels < 1 || states < 1 || states > MAX_STATES) return null;
        long warps = (long) batch * ceil(channels, TILE);
        if (warps > Integer.MAX_VALUE / TILE) return null;
        int perBlock = (int) Math.min(Math.min(V2_MAX_WARPS, SHARED_LIMIT / (4 * BackwardV2.warpFloats(segmentLen))), warps);
        return new BackwardV2((int) warps, perBlock, ceil(warps, perBlock), segmentLen, ceil(len, segmentLen));
    }

    /** States / g carries / dA sums and two per-channel sums ((N + 2)·32 floats a chunk) and, in the same space, the staging (B|C rows and 5 token tensors). */
    public int backwardSharedBytes(int states) {
        return 4 * Math.max((states + 2) * TILE, 6 * TILE * BACKWARD_SUB) * backwardChunks;
    }
}
