package org.semivim.training.update;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.lyapema.FloatLyapEmaKernel;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.TrainableRanges;

import java.util.Set;

/** {@link UpdateBackend#cpu()}: the engine's {@link AdamW}, {@link EmaUpdate} and {@link FloatLyapEmaKernel} on the host arrays. */
final class HostUpdateBackend implements UpdateBackend {
    static final HostUpdateBackend INSTANCE = new HostUpdateBackend();

    private HostUpdateBackend() {}

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public AdamWOptimizer adamW(ParameterSet params, double weightDecay, Set<String> frozen) {
        return new HostAdamW(new AdamW(params, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, weightDecay, frozen));
    }

    @Override
    public TeacherEma teacherEma(float[] teacher, float[] student) {
        if (teacher.length != student.length) throw new IllegalArgumentException("teacher has " + teacher.length + " values, student " + student.length);
        return m -> EmaUpdate.apply(teacher, student, m);
    }

    @Override
    public LyapEmaKernel lyapEmaKernel(AdamWOptimizer adamW, float[] studentPrev, float[] teacherPrev, TrainableRanges trainable,
                                       float[] studentOut, float[] teacherOut) {
        HostAdamW host = HostAdamW.of(adamW);
        return new FloatLyapEmaKernel(studentPrev, teacherPrev, host.direction, host.adamW::apply, host.adamW.weightDecay(), trainable,
                studentOut, teacherOut);
    }

    @Override
    public void hostWritten(float[] array) {
        // the host arrays are the only copy
    }

    @Override
    public void keepOnDevice(float[] array) {
        // no device
    }

    /** The engine's AdamW with the step's direction u [P] beside it. */
    static final class HostAdamW implements AdamWOptimizer {
        final AdamW adamW;
        final float[] direction;   // [P] u of the current step

        HostAdamW(AdamW adamW) {
            this.adamW = adamW;
            this.direction = new float[adamW.parameters().count()];
        }

        static HostAdamW of(AdamWOptimizer o) {
            if (!(o instanceof HostAdamW h)) throw new IllegalArgumentException("the CPU update backend needs its own AdamW, got one of " + o.backend().name());
            return h;
        }

        @Override
        public UpdateBackend backend() {
            return INSTANCE;
        }

        @Override
        public ParameterSet parameters() {
            return adamW.parameters();
        }

        @Override
        public double weightDecay() {
            return adamW.weightDecay();
        }

        @Override
        public long stepCount() {
            return adamW.stepCount();
        }

        @Override
        public void updateMoments(float[] gradient) {
            adamW.updateMoments(gradient, direction);
        }

        @Override
        public void apply(float[] values, double lr) {
            adamW.apply(values, direction, lr, adamW.weightDecay(), values);
        }

        @Override
        public AdamW.State state() {
            return adamW.state();
        }

        @Override
        public void restore(AdamW.State state) {
            adamW.restore(state);
        }
    }
}
