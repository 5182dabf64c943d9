package org.semivim.engine.rng;

import java.nio.charset.StandardCharsets;

/**
 * A counter-based random number generator: every draw is a pure function of its coordinates
 * (seed, stream, counter), so any draw can be reproduced on any thread, actor or node from the
 * coordinates alone (ARCHITECTURE.md, determinism contract).
 *
 * <p>The mixing function is SplitMix64's finaliser (Steele, Lea, Flood 2014): the draw at
 * counter c of key k is {@code mix64(k + (c + 1) * 0x9E3779B97F4A7C15)}, i.e. exactly the c-th
 * output of a SplitMix64 generator seeded with k. Keys are derived from (seed, stream) by mixing
 * twice, so neighbouring seeds or streams give unrelated sequences.
 */
public final class CounterRng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final long stream;
    private final long key;

    private CounterRng(long seed, long stream) {
        this.seed = seed;
        this.stream = stream;
        this.key = mix64(mix64(seed ^ 0x5851F42D4C957F2DL) + GOLDEN * (stream + 1) ^ mix64(stream));
    }

    /** The generator for (seed, stream). */
    public static CounterRng of(long seed, long stream) {
        return new CounterRng(seed, stream);
    }

    /** The generator for (seed, stream name); the name is hashed with FNV-1a 64 of its UTF-8 bytes. */
    public static CounterRng of(long seed, String streamName) {
        return new CounterRng(seed, streamIdOf(streamName));
    }

    /** A sub-stream keyed by more coordinates, e.g. (step, sample, view): same inputs, same stream. */
    public CounterRng derive(long... coordinates) {
        long s = stream;
        for (long c : coordinates) s = mix64(s * 31 + mix64(c + GOLDEN));
        return new CounterRng(seed, s);
    }

    public long seed() {
        return seed;
    }

    public long streamId() {
        return stream;
    }

    /** 64 random bits at {@code counter}. */
    public long bits(long counter) {
        return mix64(key + (counter + 1) * GOLDEN);
    }

    /** Uniform float in [0, 1) with 24 random bits. */
    public float uniform(long counter) {
        return (bits(counter) >>> 40) * 0x1.0p-24f;
    }

    /** Uniform double in [0, 1) with 53 random bits. */
    public double uniformDouble(long counter) {
        return (bits(counter) >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound) (bound &gt; 0), by Lemire's multiply-shift on 32 random bits; bias below 2^-32·bound. */
    public int nextInt(long counter, int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        long r = bits(counter) >>> 32;
        return (int) ((r * bound) >>> 32);
    }

    /** Standard normal draw at {@code counter} (Box-Muller on the uniforms at 2c and 2c+1). */
    public double normal(long counter) {
        double u1 = uniformDouble(2 * counter);
        double u2 = uniformDouble(2 * counter + 1);
        double r = Math.sqrt(-2.0 * Math.log(1.0 - u1)); // 1-u1 in (0,1]
        return r * Math.cos(2.0 * Math.PI * u2);
    }

    /** A sequential cursor over this generator starting at counter 0. */
    public RandomStream cursor() {
        return new RandomStream(this, 0);
    }

    /** SplitMix64 finaliser. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Stable 64-bit id of a stream name (FNV-1a over UTF-8), identical on every JVM. */
    public static long streamIdOf(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001B3L;
        }
        return h;
    }
}
