package org.semivim.engine.ops;

/**
 * Flat per-sample partial rows of a parallel op's parameter gradients ([B][row] in one array),
 * reused across calls: the calling thread keeps one array per slot for its next call (as
 * {@link CpuGemm} keeps its split-K buffers), so the tasks write rows of warm memory instead of
 * allocating (zeroed) arrays per sample and call. An op uses its arrays only until it returns; the ops
 * that use them ({@link CpuScanOps}'s and {@link CpuConvOps}'s backward) call no other such op inside
 * their tasks, so no two users of one thread's arrays overlap. Contents are left from the last call:
 * every user writes (or zeroes) a row before it reads it.
 */
final class SampleBuffers {
    static final int SCAN_DA = 0, SCAN_DD = 1, SCAN_DBIAS = 2, CONV_DW = 3, CONV_DB = 4;
    static final int SCAN_DWDT = 0;

    private static final ThreadLocal<SampleBuffers> MINE = ThreadLocal.withInitial(SampleBuffers::new);

    private final double[][] doubles = new double[5][0];
    private final float[][] floats = new float[1][0];

    private SampleBuffers() {}

    /** The calling thread's buffers. */
    static SampleBuffers forThread() {
        return MINE.get();
    }

    /** Double slot {@code slot} with at least n elements (grown, never shrunk). */
    double[] doubles(int slot, int n) {
        if (doubles[slot].length < n) doubles[slot] = new double[n];
        return doubles[slot];
    }

    /** Float slot {@code slot} with at least n elements (grown, never shrunk). */
    float[] floats(int slot, int n) {
        if (floats[slot].length < n) floats[slot] = new float[n];
        return floats[slot];
    }
}
