package org.semivim.gpu;

/**
 * Launch geometry of the selective scan (docs/gpu.md, "Selective scan").
 * <p>
 * Forward ({@code scan.cu}, {@code scan_fwd}): grid ({@link #tiles tiles} of {@value #TILE} consecutive
 * channels, samples), block ({@value #TILE}, chunks): thread x is a channel (a warp reads whole 128-byte
 * lines of a token row), thread y a chunk of consecutive positions; every thread keeps its channel's
 * N ≤ {@value #MAX_STATES} states. With W chunks every position's decays are computed twice (phase 1 and
 * 3), with W = 1 once, so chunks are only added while the grid has fewer than {@value #TARGET_WARPS} warps
 * (too few to keep the memory system busy), at most {@value #MAX_FORWARD_CHUNKS}, each ≥
 * {@value #MIN_FORWARD_CHUNK_LEN} positions; the count is then lowered to ceil(len / chunkLen), so no chunk
 * is empty.
 * <p>
 * Backward ({@code scan_bwd.cu}, {@code scan_bwd}): {@link Backward}, one warp per (sample, tile) walking
 * the whole sequence in segments of K positions.
 */
public record ScanPlan(int tiles, int forwardChunks, int forwardChunkLen) {
    static final int TILE = 32;                    // channels per block (the warp width)
    static final int MAX_STATES = 16;              // SCAN_MAXN in scan_common.cuh
    static final int MAX_FORWARD_CHUNKS = 8;       // the forward's staging buffers (4 KiB a warp) within 48 KiB
    static final int FORWARD_SUB = 8;              // SCAN_FWD_SUB: positions a forward warp stages at a time
    static final int BACKWARD_SUB = 4;             // SCAN_BWD_SUB
    static final int MIN_FORWARD_CHUNK_LEN = 16;
    static final int TARGET_WARPS = 1024;          // ≈ 8 warps on each of an H100's 132 multiprocessors
    static final int MAX_THREADS = 512;            // SCAN_MAX_THREADS: scan_fwd's launch bound

    /**
     * The forward plan for {@code batch} sequences of {@code len} positions, {@code channels} channels and
     * {@code states} states, or null when the kernels cannot run them (more than {@value #MAX_STATES} states).
     */
    public static ScanPlan of(int batch, int len, int channels, int states) {
        if (batch < 1 || len < 1 || channels < 1 || states < 1 || states > MAX_STATES) return null;
        int tiles = ceil(channels, TILE);
        long warps = (long) batch * tiles;
        int fwChunks = (int) Math.max(1, Math.min(Math.min(MAX_FORWARD_CHUNKS, ceil(len, MIN_FORWARD_CHUNK_LEN)), ceil(TARGET_WARPS, warps)));
        int fwLen = ceil(len, fwChunks);
        return new ScanPlan(tiles, ceil(len, fwLen), fwLen);
    }

    /** This plan with the forward split into {@code chunks} chunks (fewer when the sequence is short); the benchmark's sweep. */
    ScanPlan withForwardChunks(int chunks, int len) {
        if (chunks < 1 || chunks > MAX_FORWARD_CHUNKS) {
            throw new IllegalArgumentException("forward chunks must be in [1, " + MAX_FORWARD_CHUNKS + "]: " + chunks);
        }
        int fwLen = ceil(len, chunks);
        return new ScanPlan(tiles, ceil(len, fwLen), fwLen);
    }

    private static int ceil(long a, long b) {
        return (int) ((a + b - 1) / b);
    }

    public int forwardThreads() {
        return TILE * forwardChunks;
    }

    /** The combine (end states and Σ Δ: (N + 1)·32 floats a chunk) and, in the same space, each warp's staging (B|C rows, u, Δ_raw, z). */
    public int forwardSharedBytes(int states) {
        return 4 * Math.max((states + 1) * TILE, 4 * TILE * FORWARD_SUB) * forwardChunks;
    }

    static final int BACKWARD_MAX_WARPS = 4;       // SCAN_BWD_MAX_WARPS in scan_bwd.cu: blocks of ≤ 128 threads
    static final int MAX_SEGMENT = 16;             // SCAN_BWD_MAXK
    /** The segment length measured fastest on an H100 at vim-tiny's shape (docs/benchmarks.md, GPU, fifth run). */
    public static final int DEFAULT_SEGMENT = 8;
    static final int SHARED_LIMIT = 48 * 1024;     // dynamic shared memory without the opt-in attribute
    /** The system property that sets the backward's segment length (an even number in [2, 16]). */
    public static final String SEGMENT_PROPERTY = "semivim.cuda.scanBackwardSegment";

    /**
     * Launch geometry of {@code scan_bwd} ({@code scan_bwd.cu}, docs/gpu.md, "Selective scan, backward"): one warp per
     * (sample, tile of 32 channels) walking the whole sequence, {@code warpsPerBlock} independent warps a
     * block, the sequence in segments of {@code segmentLen} positions (a checkpoint of 16 states before each).
     */
    public record Backward(int warps, int warpsPerBlock, int blocks, int segmentLen, int checkpoints) {
        /**
         * One warp's shared memory in floats: the even-count states (K/2 + 1)·16·32, the Δ of the segment K·32, the
         * staging 9·SUB·32 (B|C rows, u, Δ_raw, z, dOut, dReadout and the old du, dΔ_raw, dz).
         */
        static int warpFloats(int segmentLen) {
            return (segmentLen / 2 + 1) * MAX_STATES * TILE + segmentLen * TILE + 9 * BACKWARD_SUB * TILE;
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
     * The backward's plan for {@code batch} sequences of {@code len} positions, {@code channels}
     * channels and {@code states} states in segments of {@code segmentLen} positions (even, 2 … {@value
     * #MAX_SEGMENT}), or null when the kernel cannot run it (more than 16 states). As many warps a block
     * as the shared memory limit allows, at most {@value #BACKWARD_MAX_WARPS}; no limit on the length.
     */
    public static Backward backward(int batch, int len, int channels, int states, int segmentLen) {
        checkSegment(segmentLen);
        if (batch < 1 || len < 1 || channels < 1 || states < 1 || states > MAX_STATES) return null;
        long warps = (long) batch * ceil(channels, TILE);
        if (warps > Integer.MAX_VALUE / TILE) return null;
        int perBlock = (int) Math.min(Math.min(BACKWARD_MAX_WARPS, SHARED_LIMIT / (4 * Backward.warpFloats(segmentLen))), warps);
        return new Backward((int) warps, perBlock, ceil(warps, perBlock), segmentLen, ceil(len, segmentLen));
    }

    /** The segment length {@code -Dsemivim.cuda.scanBackwardSegment} sets, else {@value #DEFAULT_SEGMENT}; a bad value fails naming the property. */
    public static int segmentFromSystemProperties() {
        return parseSegment(System.getProperty(SEGMENT_PROPERTY));
    }

    /** {@code value}: an even length 2…16 (null: the default). */
    static int parseSegment(String value) {
        if (value == null) return DEFAULT_SEGMENT;
        int len;
        try {
            len = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + MAX_SEGMENT + "] but is '" + value + "'");
        }
        checkSegment(len);
        return len;
    }

    private static void checkSegment(int len) {
        if (len < 2 || len > MAX_SEGMENT || len % 2 != 0) {
            throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + MAX_SEGMENT + "] but is " + len);
        }
    }
}
