package org.semivim.training.lyapema;

/**
 * The plain double-precision {@link LyapEmaKernel}: the formulas of ssl-spec.md §2.5.3 written once
 * in double, elementwise and sequential. It is the reference the float kernel is compared with and
 * the path on which the identities of the rules are checked to 1e-12 (R-L4, R-L5).
 *
 * <p>The optimiser step is written out: θ~ = θS_prev − lr·(u + wd_i·θS_prev) on trainable elements,
 * with the per-element decoupled weight decay {@code weightDecay[i]} (0 where the parameter is not
 * decayed); frozen elements keep θS_prev, as AdamW leaves frozen parameters.
 */
public final class DoubleLyapEmaKernel implements LyapEmaKernel {
    private final double[] studentPrev;   // [count] read only
    private final double[] teacherPrev;   // [count] read only
    private final double[] direction;     // [count] u, read only
    private final double[] weightDecay;   // [count] decoupled weight decay per element
    private final TrainableRanges trainable;
    private final double[] studentOut;    // [count]
    private final double[] teacherOut;    // [count]

    public DoubleLyapEmaKernel(double[] studentPrev, double[] teacherPrev, double[] direction, double[] weightDecay,
                               TrainableRanges trainable, double[] studentOut, double[] teacherOut) {
        int n = trainable.count();
        for (double[] a : new double[][] {studentPrev, teacherPrev, direction, weightDecay, studentOut, teacherOut}) {
            if (a.length != n) throw new IllegalArgumentException("LyapEMA reference: an array has length " + a.length + ", expected " + n);
        }
        if (studentOut == studentPrev || studentOut == teacherPrev || teacherOut == studentPrev || teacherOut == teacherPrev
                || studentOut == teacherOut) {
            throw new IllegalArgumentException("LyapEMA reference: outputs must be separate arrays from the saved student and teacher");
        }
        this.studentPrev = studentPrev;
        this.teacherPrev = teacherPrev;
        this.direction = direction;
        this.weightDecay = weightDecay;
        this.trainable = trainable;
        this.studentOut = studentOut;
        this.teacherOut = teacherOut;
    }

    @Override
    public boolean directionFinite() {
        for (double u : direction) if (!Double.isFinite(u)) return false;
        return true;
    }

    @Override
    public double proposeStudent(double learningRate, double lam, LyapEmaConfig.Pull pull) {
        System.arraycopy(studentPrev, 0, studentOut, 0, studentOut.length);   // frozen elements stay
        double[] squared = {0};
        trainable.forEachPieceIn(0, trainable.count(), (start, end) -> {
            for (int i = start; i < end; i++) {
                double tilde = studentPrev[i] - learningRate * (direction[i] + weightDecay[i] * studentPrev[i]);
                double student = pull == LyapEmaConfig.Pull.IMPLICIT
                        ? (tilde + lam * teacherPrev[i]) / (1 + lam)
                        : tilde + lam * (teacherPrev[i] - studentPrev[i]);
                studentOut[i] = student;
                double diff = student - teacherPrev[i];
                squared[0] += diff * diff;
            }
        });
        return Math.sqrt(squared[0]);
    }

    @Override
    public double proposeTeacher(double alpha) {
        boolean finite = true;
        for (int i = 0; i < teacherOut.length; i++) {
            teacherOut[i] = alpha * teacherPrev[i] + (1 - alpha) * studentOut[i];
            finite &= Double.isFinite(teacherOut[i]) && Double.isFinite(studentOut[i]);
        }
        double[] squared = {0};
        trainable.forEachPieceIn(0, trainable.count(), (start, end) -> {
            for (int i = start; i < end; i++) {
                double diff = studentOut[i] - teacherOut[i];
                squared[0] += diff * diff;
            }
        });
        return finite ? 0.5 * squared[0] : Double.NaN;
    }

    @Override
    public void keepPrevious() {
        System.arraycopy(studentPrev, 0, studentOut, 0, studentOut.length);
        System.arraycopy(teacherPrev, 0, teacherOut, 0, teacherOut.length);
    }
}
