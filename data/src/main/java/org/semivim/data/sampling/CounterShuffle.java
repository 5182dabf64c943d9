package org.semivim.data.sampling;

import org.semivim.engine.rng.RandomStream;

/**
 * Fisher–Yates shuffle driven by a counter-based {@link RandomStream}, so a permutation is a pure
 * function of the stream's coordinates and starting counter.
 *
 * <p>Exact procedure (the one documented in docs/data.md): for i = n−1 down to 1,
 * j = {@code stream.nextInt(i + 1)} (Lemire multiply-shift on the draw at the stream's next
 * counter), swap a[i] and a[j]. It consumes exactly max(n−1, 0) counters: the draw for position i
 * is at counter {@code start + (n−1−i)}.
 */
public final class CounterShuffle {
    private CounterShuffle() {}

    /** Shuffles {@code values} in place, drawing from {@code stream}. */
    public static void shuffle(int[] values, RandomStream stream) {
        for (int i = values.length - 1; i >= 1; i--) {
            int j = stream.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** A shuffled copy of 0..n−1. */
    public static int[] permutation(int n, RandomStream stream) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p, stream);
        return p;
    }
}
