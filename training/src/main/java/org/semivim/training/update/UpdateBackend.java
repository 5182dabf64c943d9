package org.semivim.training.update;

import org.semivim.engine.param.ParameterSet;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.TrainableRanges;

import java.util.Set;

/**
 * Where phase (6)'s parameter arithmetic runs: the factory of the AdamW optimizer, the teacher EMA and
 * the LyapEMA kernel of a run. {@link #cpu()} is the host (the engine's {@code AdamW},
 * {@link EmaUpdate}, {@code FloatLyapEmaKernel}: the deterministic CPU path, bit for bit); the {@code gpu}
 * module provides a CUDA one whose flat arrays stay resident on the device (docs/gpu.md). The
 * {@code training} module does not know the device: the cli binds a backend to the ops it selected
 * ({@link UpdateBackends#bind}) and the trainers ask {@link UpdateBackends#of} for the backend of their ops.
 *
 * <p>All arrays are float [P] flat parameter vectors. Every call leaves the host copies of the arrays it
 * wrote current.
 */
public interface UpdateBackend {

    /** A short name for logs: "cpu", "cuda". */
    String name();

    /** AdamW with torch's betas and eps over {@code params}; parameters named in {@code frozen} are never updated. */
    AdamWOptimizer adamW(ParameterSet params, double weightDecay, Set<String> frozen);

    /** The teacher EMA θT ← m·θT + (1−m)·θS over these two arrays ({@link EmaUpdate}'s float arithmetic). */
    TeacherEma teacherEma(float[] teacher, float[] student);

    /**
     * A LyapEMA kernel whose optimiser step is {@code adamW}'s {@link AdamWOptimizer#apply} arithmetic with its
     * current direction (an optimizer of this backend), over the saved {@code studentPrev}, {@code teacherPrev}
     * and the outputs {@code studentOut}, {@code teacherOut}. Made once and used every step: the caller writes
     * the saved arrays on the host before each step and says so with {@link #hostWritten}.
     */
    LyapEmaKernel lyapEmaKernel(AdamWOptimizer adamW, float[] studentPrev, float[] teacherPrev, TrainableRanges trainable,
                                float[] studentOut, float[] teacherOut);

    /** Java code wrote {@code array} on the host: a device backend re-uploads it before its next use; the host does nothing. */
    void hostWritten(float[] array);

    /**
     * The ops will read {@code array} again and again (a replica's parameter values, which the loop
     * overwrites with a snapshot before each forward): a device backend keeps a copy on the device that
     * the ops read in place, uploaded once after each {@link #hostWritten} instead of at every op. From
     * then on every host write of the array must be followed by {@link #hostWritten}. The host does nothing.
     */
    void keepOnDevice(float[] array);

    /** θT ← m·θT + (1−m)·θS on the arrays it was made for. */
    @FunctionalInterface
    interface TeacherEma {
        void apply(double momentum);
    }

    /** The host backend: exactly the CPU arithmetic the loop always ran. */
    static UpdateBackend cpu() {
        return HostUpdateBackend.INSTANCE;
    }
}
