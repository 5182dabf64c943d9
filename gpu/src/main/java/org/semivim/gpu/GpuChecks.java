package org.semivim.gpu;

import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * Argument checks of the CUDA ops. The engine's own checks are package-private; these give the same
 * kind of message, and matter more here: a wrong size would make a kernel read or write out of bounds.
 */
final class GpuChecks {
    private GpuChecks() {}

    static Tensor need(String op, String name, Tensor t) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " must not be null");
        return t;
    }

    static void sameSize(String op, String name, Tensor t, String refName, Tensor ref) {
        need(op, name, t);
        need(op, refName, ref);
        if (t.size != ref.size) {
            throw new IllegalArgumentException(op + ": " + name + " " + t + " must have as many elements as " + refName + " " + ref);
        }
    }

    static void shape(String op, String name, Tensor t, int... expected) {
        need(op, name, t);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + name + " must be " + Arrays.toString(expected) + " but got " + t);
        }
    }

    /** Rows R of a [R, D] view whose last dimension must be {@code d}. */
    static int rows(String op, String name, Tensor t, int d) {
        need(op, name, t);
        if (t.rank() == 0 || t.dim(-1) != d) throw new IllegalArgumentException(op + ": " + name + " " + t + " must have last dimension " + d);
        return d == 0 ? 0 : t.size / d;
    }

    static void size(String op, String name, Tensor t, int expected) {
        need(op, name, t);
        if (t.size != expected) throw new IllegalArgumentException(op + ": " + name + " " + t + " must have " + expected + " elements");
    }
}
