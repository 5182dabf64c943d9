package org.semivim.data.sampling;

import java.util.Arrays;
import org.semivim.engine.rng.CounterRng;

/**
 * An endless stream of sample indices: epoch after epoch, each epoch a permutation of the
 * population that is a pure function of (seed, stream name, epoch). The position in the stream
 * is a single number (samples consumed since the start), so resuming needs nothing but that
 * number: {@link #take}(position, k) is the same whenever and wherever it is called.
 *
 * <p>Epoch e's order: the population (in the given order) shuffled by {@link CounterShuffle}
 * with {@code CounterRng.of(seed, stream).derive(e).cursor()} (counters 0..n−2).
 */
public final class EpochSampler {
    private final int[] population;
    private final CounterRng rng;
    private final String stream;
    private volatile EpochOrder cached;  // the last epoch computed: a pure function of its epoch, so any thread may reuse it

    private record EpochOrder(long epoch, int[] order) {}

    /** A sampler over {@code population} (copied; e.g. the labeled indices of a split). */
    public EpochSampler(int[] population, long seed, String stream) {
        if (population.length == 0) throw new IllegalArgumentException("sampler '" + stream + "' needs a non-empty population");
        this.population = population.clone();
        this.rng = CounterRng.of(seed, stream);
        this.stream = stream;
    }

    public int populationSize() {
        return population.length;
    }

    /** The order of epoch {@code epoch} (a new array). */
    public int[] epochOrder(long epoch) {
        return orderOf(epoch).clone();
    }

    private int[] orderOf(long epoch) {
        if (epoch < 0) throw new IllegalArgumentException("sampler '" + stream + "': epoch must be >= 0, got " + epoch);
        EpochOrder c = cached;
        if (c != null && c.epoch == epoch) return c.order;
        int[] order = population.clone();
        CounterShuffle.shuffle(order, rng.derive(epoch).cursor());
        cached = new EpochOrder(epoch, order);
        return order;
    }

    /** The {@code count} indices starting at stream position {@code position}, crossing epoch boundaries as needed. */
    public int[] take(long position, int count) {
        if (position < 0) throw new IllegalArgumentException("sampler '" + stream + "': position must be >= 0, got " + position);
        if (count < 0) throw new IllegalArgumentException("sampler '" + stream + "': count must be >= 0, got " + count);
        int[] out = new int[count];
        int n = population.length;
        int filled = 0;
        long at = position;
        while (filled < count) {
            int[] order = orderOf(at / n);
            int from = (int) (at % n);
            int len = Math.min(n - from, count - filled);
            System.arraycopy(order, from, out, filled, len);
            filled += len;
            at += len;
        }
        return out;
    }

    /** A cursor at {@code position}. */
    public Cursor cursorAt(long position) {
        if (position < 0) throw new IllegalArgumentException("sampler '" + stream + "': position must be >= 0, got " + position);
        return new Cursor(position);
    }

    /** A position in the stream that advances as samples are taken; save {@link #position()} to resume. */
    public final class Cursor {
        private long position;

        private Cursor(long position) {
            this.position = position;
        }

        public long position() {
            return position;
        }

        public long epoch() {
            return position / population.length;
        }

        /** The next {@code count} indices. */
        public int[] next(int count) {
            int[] out = take(position, count);
            position += count;
            return out;
        }

        /** The indices left in the current epoch. */
        public int[] restOfEpoch() {
            return next((int) (population.length - position % population.length));
        }
    }

    @Override
    public String toString() {
        return "EpochSampler[" + stream + ", " + population.length + " samples, first " + Arrays.toString(Arrays.copyOf(population, Math.min(3, population.length))) + "…]";
    }
}
