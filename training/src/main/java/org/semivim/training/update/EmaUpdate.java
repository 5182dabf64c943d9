package org.semivim.training.update;

import org.semivim.engine.ops.Parallel;

/**
 * The teacher EMA of ssl-spec.md §1.3: θT ← m·θT + (1−m)·θS, elementwise in float with m and 1−m
 * rounded once to float (timm ModelEma: {@code ema * decay + (1 − decay) * model} on float32
 * tensors). Our models have no buffers, so this covers the whole state. Elementwise over fixed
 * chunks: bit-identical for any thread count.
 */
public final class EmaUpdate {
    private static final int CHUNK = 1 << 15;

    private EmaUpdate() {}

    /** teacher [P] ← m·teacher + (1−m)·student [P], in place. */
    public static void apply(float[] teacher, float[] student, double m) {
        if (teacher.length != student.length) {
            throw new IllegalArgumentException("teacher has " + teacher.length + " values, student " + student.length);
        }
        if (!(m >= 0 && m <= 1)) throw new IllegalArgumentException("EMA momentum m must be in [0, 1], got " + m);
        float keep = (float) m, take = (float) (1 - m);
        int n = teacher.length;
        Parallel.forEach(Parallel.chunks(n, CHUNK), c -> {
            int end = Math.min(n, (c + 1) * CHUNK);
            for (int i = c * CHUNK; i < end; i++) teacher[i] = keep * teacher[i] + take * student[i];
        });
    }
}
