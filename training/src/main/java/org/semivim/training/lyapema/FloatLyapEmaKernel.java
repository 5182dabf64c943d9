package org.semivim.training.lyapema;

import org.semivim.engine.ops.Parallel;

/**
 * {@link LyapEmaKernel} over float32 flat parameter arrays ({@code ParameterSet.flatValues().data})
 * [count]. The optimiser step is the caller's {@link DecoupledStep}, normally
 * {@code adamW::apply} (engine {@code optim.AdamW}: θ~ = θ·(1 − lr·wd) − lr·u where decay applies,
 * frozen parameters copied unchanged), so LyapEMA with lam = 0 is bit-identical to plain AdamW (R-L1).
 *
 * <p>Elementwise work runs in fixed chunks of {@value #CHUNK} elements with {@link Parallel}; the
 * double partial sums of d² and V are kept per chunk and added in chunk order, so results do not
 * depend on the thread count. Nothing of parameter size is allocated per attempt.
 *
 * <p>The outputs must be other arrays than the saved inputs. A typical loop copies the model's values
 * to a scratch θS_prev, then lets this kernel write θS' straight into the model's values.
 */
public final class FloatLyapEmaKernel implements LyapEmaKernel {
    static final int CHUNK = 1 << 15;

    /** The plain optimiser update θ~ = step(θ_prev, u, lr, wd): {@code AdamW.apply}'s signature. */
    @FunctionalInterface
    public interface DecoupledStep {
        void apply(float[] from, float[] direction, double lr, double weightDecay, float[] to);
    }

    private final float[] studentPrev;   // [count] θS_{t−1}, read only
    private final float[] teacherPrev;   // [count] θT_{t−1}, read only
    private final float[] direction;     // [count] Adam direction u, read only
    private final DecoupledStep optimizer;
    private final double weightDecay;
    private final TrainableRanges trainable;
    private final float[] studentOut;    // [count] θS' of the latest attempt
    private final float[] teacherOut;    // [count] θT' of the latest attempt
    private final double[] partials;     // [chunks] per-chunk sums, added in chunk order
    private final boolean[] chunkFinite; // [chunks]

    public FloatLyapEmaKernel(float[] studentPrev, float[] teacherPrev, float[] direction, DecoupledStep optimizer,
                              double weightDecay, TrainableRanges trainable, float[] studentOut, float[] teacherOut) {
        int n = trainable.count();
        requireLength("student (saved)", studentPrev, n);
        requireLength("teacher (saved)", teacherPrev, n);
        requireLength("direction", direction, n);
        requireLength("student output", studentOut, n);
        requireLength("teacher output", teacherOut, n);
        if (studentOut == studentPrev || studentOut == teacherPrev || teacherOut == studentPrev || teacherOut == teacherPrev
                || studentOut == teacherOut || studentOut == direction || teacherOut == direction) {
            throw new IllegalArgumentException("LyapEMA outputs must be separate arrays from the saved student, teacher and direction "
                    + "(a retry starts again from the saved state)");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        this.studentPrev = studentPrev;
        this.teacherPrev = teacherPrev;
        this.direction = direction;
        this.optimizer = optimizer;
        this.weightDecay = weightDecay;
        this.trainable = trainable;
        this.studentOut = studentOut;
        this.teacherOut = teacherOut;
        int chunks = Parallel.chunks(n, CHUNK);
        this.partials = new double[chunks];
        this.chunkFinite = new boolean[chunks];
    }

    @Override
    public boolean directionFinite() {
        return allFinite(direction);
    }

    /**
     * Whether every element is finite. The loop checks the raw gradient with this BEFORE
     * {@code AdamW.updateMoments}: a NaN gradient would otherwise poison the moments, which are
     * updated once per step and never rolled back (R-L2).
     */
    public static boolean allFinite(float[] values) {
        int n = values.length;
        boolean[] finite = new boolean[Parallel.chunks(n, CHUNK)];
        Parallel.forEach(finite.length, c -> {
            boolean ok = true;
            for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) ok &= Float.isFinite(values[i]);
            finite[c] = ok;
        });
        return allTrue(finite);
    }

    @Override
    public double proposeStudent(double learningRate, double lam, LyapEmaConfig.Pull pull) {
        optimizer.apply(studentPrev, direction, learningRate, weightDecay, studentOut);     // θ~ [count]
        float lamF = (float) lam;
        float onePlusLam = 1f + lamF;
        boolean pulled = lam != 0;           // lam = 0: the pull is the identity; skipping it keeps θ~'s bits (even −0.0)
        int n = studentOut.length;
        Parallel.forEach(partials.length, c -> {
            double[] sum = {0};
            trainable.forEachPieceIn(c * CHUNK, Math.min(n, (c + 1) * CHUNK), (start, end) -> {
                double s = 0;
                for (int i = start; i < end; i++) {
                    float teacher = teacherPrev[i];
                    float student = studentOut[i];
                    if (pulled) {
                        student = pull == LyapEmaConfig.Pull.IMPLICIT
                                ? (student + lamF * teacher) / onePlusLam
                                : student + lamF * (teacher - studentPrev[i]);
                        studentOut[i] = student;
                    }
                    double diff = (double) student - teacher;
                    s += diff * diff;
                }
                sum[0] += s;
            });
            partials[c] = sum[0];
        });
        return Math.sqrt(sumInOrder(partials));
    }

    @Override
    public double proposeTeacher(double alpha) {
        float keep = (float) alpha;
        float take = (float) (1 - alpha);
        int n = teacherOut.length;
        Parallel.forEach(partials.length, c -> {
            int chunkStart = c * CHUNK, chunkEnd = Math.min(n, chunkStart + CHUNK);
            boolean finite = true;
            for (int i = chunkStart; i < chunkEnd; i++) {
                float t = keep * teacherPrev[i] + take * studentOut[i];
                teacherOut[i] = t;
                finite &= Float.isFinite(t) & Float.isFinite(studentOut[i]);
            }
            chunkFinite[c] = finite;
            double[] sum = {0};
            trainable.forEachPieceIn(chunkStart, chunkEnd, (start, end) -> {
                double s = 0;
                for (int i = start; i < end; i++) {
                    double diff = (double) studentOut[i] - teacherOut[i];
                    s += diff * diff;
                }
                sum[0] += s;
            });
            partials[c] = sum[0];
        });
        return allTrue(chunkFinite) ? 0.5 * sumInOrder(partials) : Double.NaN;
    }

    @Override
    public void keepPrevious() {
        System.arraycopy(studentPrev, 0, studentOut, 0, studentOut.length);
        System.arraycopy(teacherPrev, 0, teacherOut, 0, teacherOut.length);
    }

    /**
     * ½‖student − teacher‖² over the trainable elements, summed in double in the kernel's order (per
     * piece, per chunk, chunks in order), so it equals the V an attempt reports for the same arrays bit
     * for bit: V₀ for {@link LyapEmaState#initial}.
     */
    public static double lyapunov(float[] student, float[] teacher, TrainableRanges trainable) {
        int n = trainable.count();
        requireLength("student", student, n);
        requireLength("teacher", teacher, n);
        double total = 0;
        for (int c = 0, chunks = Parallel.chunks(n, CHUNK); c < chunks; c++) {
            double[] sum = {0};
            trainable.forEachPieceIn(c * CHUNK, Math.min(n, (c + 1) * CHUNK), (start, end) -> {
                double s = 0;
                for (int i = start; i < end; i++) {
                    double diff = (double) student[i] - teacher[i];
                    s += diff * diff;
                }
                sum[0] += s;
            });
            total += sum[0];
        }
        return 0.5 * total;
    }

    private static double sumInOrder(double[] values) {
        double s = 0;
        for (double v : values) s += v;
        return s;
    }

    private static boolean allTrue(boolean[] flags) {
        for (boolean f : flags) if (!f) return false;
        return true;
    }

    private static void requireLength(String what, float[] a, int expected) {
        if (a == null) throw new IllegalArgumentException("LyapEMA " + what + " array is null");
        if (a.length != expected) {
            throw new IllegalArgumentException("LyapEMA " + what + " array has length " + a.length + ", expected the parameter count " + expected);
        }
    }
}
