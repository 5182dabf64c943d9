package org.semivim.engine.rng;

/**
 * A cursor over a {@link CounterRng}: each draw uses the next counter. Its whole state is
 * (generator coordinates, counter), so it can be saved and restored exactly.
 */
public final class RandomStream {
    private final CounterRng rng;
    private long counter;

    public RandomStream(CounterRng rng, long counter) {
        this.rng = rng;
        this.counter = counter;
    }

    public long counter() {
        return counter;
    }

    public CounterRng generator() {
        return rng;
    }

    public float uniform() {
        return rng.uniform(counter++);
    }

    public double uniformDouble() {
        return rng.uniformDouble(counter++);
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * uniformDouble();
    }

    public int nextInt(int bound) {
        return rng.nextInt(counter++, bound);
    }

    public double normal() {
        return rng.normal(counter++);
    }

    /**
     * Normal(0, std²) truncated to the absolute range [lo, hi] by rejection (timm 0.4.12
     * {@code trunc_normal_} cuts at absolute bounds, vim-spec.md §8).
     */
    public double truncatedNormal(double std, double lo, double hi) {
        for (int i = 0; i < 1000; i++) {
            double v = std * normal();
            if (v >= lo && v <= hi) return v;
        }
        return Math.max(lo, Math.min(hi, 0.0));
    }
}
