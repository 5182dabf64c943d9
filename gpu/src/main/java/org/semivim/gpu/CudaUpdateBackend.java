package org.semivim.gpu;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.lyapema.LyapEmaKernel;
import org.semivim.training.lyapema.TrainableRanges;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.UpdateBackend;

import java.util.Set;

/**
 * The training loop's {@link UpdateBackend} on the GPU: {@link CudaAdamW}, {@link CudaEmaUpdate} and
 * {@link CudaLyapEmaKernel} over arrays kept resident by the backend's {@link ResidentArrays}. The
 * parameter values, gradients, both moments, the direction, the teacher and LyapEMA's saved and
 * output arrays stay on the device across steps; per step the summed gradient is uploaded once and
 * the arrays the loop reads on the host (the student, the teacher, LyapEMA's outputs) are downloaded
 * once. {@code OpsProvider.select} binds one to the CUDA ops it returns
 * ({@link org.semivim.training.update.UpdateBackends#bind}), so every trainer on those ops uses it.
 */
public final class CudaUpdateBackend implements UpdateBackend {
    private final DeviceRuntime<?> device;
    private final String name;

    public CudaUpdateBackend(CudaBackend backend) {
        this(backend, "cuda");
    }

    /** On any {@link DeviceRuntime} (the tests' CPU emulation). */
    CudaUpdateBackend(DeviceRuntime<?> device, String name) {
        this.device = device;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AdamWOptimizer adamW(ParameterSet params, double weightDecay, Set<String> frozen) {
        return new DeviceAdamW(this, new CudaAdamW(device, params, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS,
                weightDecay, frozen));
    }

    @Override
    public TeacherEma teacherEma(float[] teacher, float[] student) {
        return new CudaEmaUpdate(device, teacher, student)::apply;
    }

    @Override
    public LyapEmaKernel lyapEmaKernel(AdamWOptimizer adamW, float[] studentPrev, float[] teacherPrev, TrainableRanges trainable,
                                       float[] studentOut, float[] teacherOut) {
        if (!(adamW instanceof DeviceAdamW d) || d.backend != this) {
            throw new IllegalArgumentException("the CUDA LyapEMA kernel needs an AdamW of the same CUDA update backend, got one of "
                    + adamW.backend().name());
        }
        return new CudaLyapEmaKernel(device, d.cuda, studentPrev, teacherPrev, trainable, studentOut, teacherOut);
    }

    @Override
    public void hostWritten(float[] array) {
        device.lock();
        try {
            if (device.resident().isResident(array)) device.resident().hostWritten(array);
        } finally {
            device.unlock();
        }
    }

    @Override
    public void keepOnDevice(float[] array) {
        device.lock();
        try {
            device.resident().register(array);   // uploaded at the first op that reads it
        } finally {
            device.unlock();
        }
    }

    /** {@link CudaAdamW} as the loop's optimizer: the summed gradient goes through the set's gradient array. */
    static final class DeviceAdamW implements AdamWOptimizer {
        private final CudaUpdateBackend backend;
        final CudaAdamW cuda;
        private final ParameterSet params;

        DeviceAdamW(CudaUpdateBackend backend, CudaAdamW cuda) {
            this.backend = backend;
            this.cuda = cuda;
            this.params = cuda.parameters();
        }

        @Override
        public UpdateBackend backend() {
            return backend;
        }

        @Override
        public ParameterSet parameters() {
            return params;
        }

        @Override
        public double weightDecay() {
            return cuda.weightDecay();
        }

        @Override
        public long stepCount() {
            return cuda.stepCount();
        }

        /** Copies {@code gradient} [P] into the set's (resident) gradient array unless it is that array, then the moments on the device. */
        @Override
        public void updateMoments(float[] gradient) {
            float[] grads = params.flatGrads().data;
            if (gradient.length != grads.length) {
                throw new IllegalArgumentException("gradient array has length " + gradient.length + ", expected the parameter count " + grads.length);
            }
            if (gradient != grads) System.arraycopy(gradient, 0, grads, 0, grads.length);
            cuda.updateMoments();
        }

        @Override
        public void apply(float[] values, double lr) {
            if (values != params.flatValues().data) {
                throw new IllegalArgumentException("the CUDA AdamW updates only its parameter set's own values (they are resident on the device)");
            }
            cuda.apply(values, lr, cuda.weightDecay(), values);
            cuda.syncValuesToHost();
        }

        @Override
        public AdamW.State state() {
            return cuda.state();
        }

        @Override
        public void restore(AdamW.State state) {
            cuda.restore(state);
        }
    }
}
