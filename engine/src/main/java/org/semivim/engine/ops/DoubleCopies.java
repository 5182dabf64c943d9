package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/** Float tensor ↔ double array copies for the reference backends, which run the double code of {@code reference/}. */
final class DoubleCopies {
    private DoubleCopies() {}

    static double[] of(Tensor t) {
        double[] d = new double[t.size];
        for (int i = 0; i < t.size; i++) d[i] = t.data[t.offset + i];
        return d;
    }

    /** Writes {@code values} rounded to float into {@code t}. */
    static void store(double[] values, Tensor t) {
        for (int i = 0; i < t.size; i++) t.data[t.offset + i] = (float) values[i];
    }

    /** Adds {@code contribution} rounded to float into {@code t}: t[i] += (float) contribution[i]. */
    static void addRounded(double[] contribution, Tensor t) {
        for (int i = 0; i < t.size; i++) t.data[t.offset + i] += (float) contribution[i];
    }
}
