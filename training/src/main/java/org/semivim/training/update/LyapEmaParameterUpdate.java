package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;
import org.semivim.training.lyapema.FloatLyapEmaKernel;
import org.semivim.training.lyapema.LyapEmaConfig;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.LyapEmaDecision;
import org.semivim.training.lyapema.LyapEmaResult;
import org.semivim.training.lyapema.LyapEmaState;
import org.semivim.training.lyapema.LyapEmaUpdate;
import org.semivim.training.lyapema.TrainableRanges;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LyapEMA student and teacher update (ssl-spec.md §2.5.3), the loop's side of the LyapEMA rules
 * (docs/methods.md, "How the loop calls LyapEMA"): save θS_{t−1}, let {@link LyapEmaUpdate#decide}
 * run STEP(s, λ) (and its retry) on a {@link LyapEmaKernel} of the optimizer's {@link UpdateBackend}
 * (on the host a {@link FloatLyapEmaKernel}) whose optimiser step is {@code AdamW.apply} with the
 * direction u computed once by the caller, and commit the student (the kernel writes it into the
 * student array) and the teacher (copied from a scratch array) when the decision commits. The kernel
 * is made on the first step for the arrays of that step and used for every later one; the saved
 * θS_{t−1} and the committed teacher are written on the host and the backend is told so
 * ({@link UpdateBackend#hostWritten}). The {@link LyapEmaState} (s, λ, V_prev, γ, counts) is this
 * update's state.
 * All parameters are trainable (R-L10, SSL stage 3).
 */
public final class LyapEmaParameterUpdate implements ParameterUpdate {
    private final AdamWOptimizer adamW;
    private final LyapEmaConfig config;
    private final TrainableRanges trainable;
    private final float[] studentPrev;    // [P] θS_{t−1}, saved before the attempts
    private final float[] teacherNext;    // [P] θT' of the latest attempt
    private final double calibrationLr;   // the lr gamma is calibrated at; NaN: the scheduled lr
    private LyapEmaState state;
    private LyapEmaKernel kernel;         // made on the first step
    private float[] kernelStudent, kernelTeacher;   // the arrays it was made for

    /**
     * At the start of SSL, with the current student and teacher (V_prev = ½‖θS − θT‖², 0 for a copy);
     * a calibrated gamma is measured at each step's own scheduled lr (R-L5 as written).
     */
    public LyapEmaParameterUpdate(AdamW adamW, LyapEmaConfig config, float[] student, float[] teacher) {
        this(adamW, config, student, teacher, Double.NaN);
    }

    /** As {@link #LyapEmaParameterUpdate(AdamWOptimizer, LyapEmaConfig, float[], float[], double)} with the engine's AdamW on the host. */
    public LyapEmaParameterUpdate(AdamW adamW, LyapEmaConfig config, float[] student, float[] teacher, double calibrationLr) {
        this(new HostUpdateBackend.HostAdamW(adamW), config, student, teacher, calibrationLr);
    }

    /**
     * As above, but a calibrated gamma is measured at {@code calibrationLr} (the schedule's peak lr),
     * whatever the scheduled lr of the calibration step: R-L5 refined for warm-up (docs/methods.md).
     * NaN: at the scheduled lr.
     */
    public LyapEmaParameterUpdate(AdamWOptimizer adamW, LyapEmaConfig config, float[] student, float[] teacher, double calibrationLr) {
        if (!Double.isNaN(calibrationLr) && (!(calibrationLr >= 0) || Double.isInfinite(calibrationLr))) {
            throw new IllegalArgumentException("LyapEMA calibration lr must be finite and >= 0 (or NaN for the scheduled lr), got " + calibrationLr);
        }
        this.calibrationLr = calibrationLr;
        this.adamW = adamW;
        this.config = config;
        this.trainable = TrainableRanges.all(student.length);
        this.studentPrev = new float[student.length];
        this.teacherNext = new float[student.length];
        this.state = LyapEmaState.initial(config, FloatLyapEmaKernel.lyapunov(student, teacher, trainable));
    }

    @Override
    public AdamWOptimizer optimizer() {
        return adamW;
    }

    @Override
    public Applied apply(float[] student, float[] teacher, double lr, double loss) {
        UpdateBackend backend = adamW.backend();
        if (kernel == null || student != kernelStudent || teacher != kernelTeacher) {
            kernel = backend.lyapEmaKernel(adamW, studentPrev, teacher, trainable, student, teacherNext);
            kernelStudent = student;
            kernelTeacher = teacher;
        }
        System.arraycopy(student, 0, studentPrev, 0, student.length);
        backend.hostWritten(studentPrev);
        LyapEmaResult result = LyapEmaUpdate.decide(state, config, kernel, lr, Double.isNaN(calibrationLr) ? lr : calibrationLr, loss);
        if (result.committed()) {
            System.arraycopy(teacherNext, 0, teacher, 0, teacher.length);
            backend.hostWritten(teacher);
            state = result.state();
        }
        return new Applied(result.committed(), fields(result.decision()));
    }

    /** The step record's LyapEMA fields (ssl-spec.md §2.5.4: log α, d, V, s, λ and the violations every step). */
    private static Map<String, Object> fields(LyapEmaDecision d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alpha", finiteOrNull(d.alpha()));
        m.put("d", finiteOrNull(d.distance()));
        m.put("v", finiteOrNull(d.lyapunov()));
        m.put("v_prev", finiteOrNull(d.lyapunovPrev()));
        m.put("s", d.s());
        m.put("lam", d.lam());
        m.put("gamma", d.gamma());
        m.put("lr_effective", d.learningRate());
        m.put("violated", d.violated());
        m.put("still_violated_after_retry", d.stillViolatedAfterRetry());
        m.put("retries", d.retries());
        m.put("lyapema_skip", d.skip().name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    private static Object finiteOrNull(double x) {
        return Double.isFinite(x) ? x : null;
    }

    /** The current LyapEMA state. */
    public LyapEmaState lyapEmaState() {
        return state;
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", state.s());
        m.put("lam", state.lam());
        m.put("v_prev", state.vPrev());
        m.put("gamma", state.gamma());
        m.put("steps", state.steps());
        m.put("violations", state.violations());
        return m;
    }

    @Override
    public void restore(Map<String, Object> saved) {
        if (!saved.keySet().equals(state().keySet())) {
            throw new IllegalArgumentException("LyapEMA state must have the keys " + state().keySet() + ", got " + saved.keySet());
        }
        Object gamma = saved.get("gamma");
        state = new LyapEmaState(number(saved, "s"), number(saved, "lam"), number(saved, "v_prev"),
                gamma == null ? null : number(saved, "gamma"), (long) number(saved, "steps"), (long) number(saved, "violations"));
    }

    private static double number(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) throw new IllegalArgumentException("LyapEMA state '" + key + "' must be a number, got " + m.get(key));
        return n.doubleValue();
    }
}
