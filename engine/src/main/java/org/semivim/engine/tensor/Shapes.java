package org.semivim.engine.tensor;

import java.util.Arrays;

/** Small helpers for shapes (int arrays). */
public final class Shapes {
    private Shapes() {}

    /** Element count; throws on a negative dimension or an int overflow. */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    public static String str(int... shape) {
        return Arrays.toString(shape);
    }
}
