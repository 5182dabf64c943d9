package org.semivim.gpu;

import org.semivim.training.lyapema.LyapEmaConfig;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.TrainableRanges;

/**
 * {@link LyapEmaKernel} on the device: the same contract and per-element float arithmetic as
 * training's {@code FloatLyapEmaKernel} (optimiser step = {@link CudaAdamW#apply} with the
 * optimizer's current direction), the sums d² and V in double with one partial per block over a
 * fixed grid, added in block order here (deterministic on one GPU; a different order from the CPU
 * kernel's chunks, so equal to it only within double rounding). Outputs are copied to their host
 * arrays after every attempt, since the loop reads them there.
 */
public final class CudaLyapEmaKernel implements LyapEmaKernel {
    private static final int MAX_BLOCKS = 1024;

    private final DeviceRuntime<?> backend;
    private final CudaAdamW adam;
    private final float[] studentPrev, teacherPrev, studentOut, teacherOut;   // [count]
    private final Object trainable;                                      // [count] bytes, 1 = trainable
    private final int count, blocks;

    public CudaLyapEmaKernel(CudaBackend backend, CudaAdamW adam, float[] studentPrev, float[] teacherPrev,
                             TrainableRanges trainableRanges, float[] studentOut, float[] teacherOut) {
        this((DeviceRuntime<?>) backend, adam, studentPrev, teacherPrev, trainableRanges, studentOut, teacherOut);
    }

    /** On any {@link DeviceRuntime} (the tests' CPU emulation). */
    CudaLyapEmaKernel(DeviceRuntime<?> backend, CudaAdamW adam, float[] studentPrev, float[] teacherPrev,
                             TrainableRanges trainableRanges, float[] studentOut, float[] teacherOut) {
        int n = trainableRanges.count();
        for (float[] a : new float[][] {studentPrev, teacherPrev, studentOut, teacherOut}) {
            if (a == null || a.length != n) throw new IllegalArgumentException("LyapEMA arrays must all have the parameter count " + n);
        }
        if (studentOut == studentPrev || studentOut == teacherPrev || teacherOut == studentPrev || teacherOut == teacherPrev
                || studentOut == teacherOut) {
            throw new IllegalArgumentException("LyapEMA outputs must be separate arrays from the saved student and teacher "
                    + "(a retry starts again from the saved state)");
        }
        this.backend = backend;
        this.adam = adam;
        this.studentPrev = studentPrev;
        this.teacherPrev = teacherPrev;
        this.studentOut = studentOut;
        this.teacherOut = teacherOut;
        this.count = n;
        this.blocks = blocks(n);
        byte[] mask = new byte[n];
        trainableRanges.forEachPieceIn(0, n, (s, e) -> java.util.Arrays.fill(mask, s, e, (byte) 1));
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            for (float[] a : new float[][] {studentPrev, teacherPrev, studentOut, teacherOut}) {
                res.register(a);
                res.hostWritten(a);      // the loop filled them on the host
            }
            trainable = backend.allocateBuffer(Math.max(1, n));
            backend.uploadBytesTo(mask, trainable);
        } finally {
            backend.unlock();
        }
    }

    /** Blocks of the fixed reduction grid for n elements. */
    static int blocks(int n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + 255L) / 256));
    }

    @Override
    public boolean directionFinite() {
        float[] u = adam.direction();     // copied from the device
        for (float x : u) if (!Float.isFinite(x)) return false;
        return true;
    }

    @Override
    public double proposeStudent(double learningRate, double lam, LyapEmaConfig.Pull pull) {
        adam.apply(studentPrev, learningRate, adam.weightDecay(), studentOut);    // θ~ on the device
        double[] partials = new double[blocks];
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            Object sums = backend.acquireBuffer(8L * blocks);
            try {
                backend.launch("lyap_student", blocks, 1, 1, 256, 1, 0, res.deviceView(studentPrev), res.deviceView(teacherPrev),
                        res.deviceView(studentOut), trainable, (long) count, (float) lam, lam != 0 ? 1 : 0,
                        pull == LyapEmaConfig.Pull.IMPLICIT ? 0 : 1, sums);
                backend.downloadDoublesFrom(sums, partials);
            } finally {
                backend.pool().releaseAll();
            }
            res.deviceWritten(studentOut);
            res.syncToHost(studentOut);
        } finally {
            backend.unlock();
        }
        double s = 0;
        for (double p : partials) s += p;
        return Math.sqrt(s);
    }

    @Override
    public double proposeTeacher(double alpha) {
        double[] partials = new double[blocks];
        int[] flag = new int[1];
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            Object sums = backend.acquireBuffer(8L * blocks);
            Object bad = backend.acquireBuffer(4);
            try {
                backend.zeroWords(bad, 1);
                backend.launch("lyap_teacher", blocks, 1, 1, 256, 1, 0, res.deviceView(teacherPrev), res.deviceView(studentOut),
                        res.deviceView(teacherOut), trainable, (long) count, (float) alpha, (float) (1 - alpha), sums, bad);
                backend.downloadDoublesFrom(sums, partials);
                backend.downloadIntsFrom(bad, flag);
            } finally {
                backend.pool().releaseAll();
            }
            res.deviceWritten(teacherOut);
            res.syncToHost(teacherOut);
        } finally {
            backend.unlock();
        }
        if (flag[0] != 0) return Double.NaN;
        double s = 0;
        for (double p : partials) s += p;
        return 0.5 * s;
    }

    @Override
    public void keepPrevious() {
        System.arraycopy(studentPrev, 0, studentOut, 0, count);
        System.arraycopy(teacherPrev, 0, teacherOut, 0, count);
        backend.lock();
        try {
            backend.resident().hostWritten(studentOut);
            backend.resident().hostWritten(teacherOut);
        } finally {
            backend.unlock();
        }
    }
}
