package org.semivim.gpu;

import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;

import java.util.HashSet;
import java.util.Set;

/**
 * AdamW on the device with the same arithmetic as {@link AdamW} (bit-identical per element:
 * {@code optim.cu} forbids fma contraction), for a {@link ParameterSet} whose values, moments and
 * per-element kinds stay resident on the GPU. One {@link #step}: upload the gradients the layers
 * accumulated on the host, advance the moments, write the direction and the new values on the
 * device, copy the values back to the host array (the layers' host code reads them: bias adds). The
 * resident values are what the CUDA ops read, so no op uploads a parameter.
 */
public final class CudaAdamW implements AutoCloseable {
    static final byte DECAY = 0, NO_DECAY = 1, FROZEN = 2;

    private final DeviceRuntime<?> backend;
    private final ParameterSet params;
    private final double beta1, beta2, eps, weightDecay;
    private final float[] values, grads;   // the set's flat arrays [count]
    private final float[] m, v, direction; // host mirrors [count], synced on demand
    private final Object kinds;       // [count] bytes
    private long step;

    public CudaAdamW(CudaBackend backend, ParameterSet params, double weightDecay) {
        this(backend, params, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, weightDecay, Set.of());
    }

    public CudaAdamW(CudaBackend backend, ParameterSet params, double beta1, double beta2, double eps, double weightDecay,
                     Set<String> frozenNames) {
        this((DeviceRuntime<?>) backend, params, beta1, beta2, eps, weightDecay, frozenNames);
    }

    /** On any {@link DeviceRuntime} (the tests' CPU emulation). */
    CudaAdamW(DeviceRuntime<?> backend, ParameterSet params, double beta1, double beta2, double eps, double weightDecay,
              Set<String> frozenNames) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        Set<String> unknown = new HashSet<>(frozenNames);
        unknown.removeAll(params.names());
        if (!unknown.isEmpty()) throw new IllegalArgumentException("frozen parameter names not in the parameter set: " + unknown);
        this.backend = backend;
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.values = params.flatValues().data;
        this.grads = params.flatGrads().data;
        int n = params.count();
        this.m = new float[n];
        this.v = new float[n];
        this.direction = new float[n];
        byte[] kind = kinds(params, frozenNames);
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            for (float[] a : new float[][] {values, grads, m, v, direction}) res.register(a);
            kinds = backend.allocateBuffer(Math.max(1, n));
            backend.uploadBytesTo(kind, kinds);
        } finally {
            backend.unlock();
        }
    }

    /** Per element: DECAY, NO_DECAY or FROZEN, as {@link AdamW} classifies parameters. */
    static byte[] kinds(ParameterSet params, Set<String> frozenNames) {
        byte[] kind = new byte[params.count()];
        for (Parameter p : params.parameters()) {
            byte k = frozenNames.contains(p.name()) ? FROZEN : p.weightDecay() ? DECAY : NO_DECAY;
            java.util.Arrays.fill(kind, p.offset(), p.offset() + p.size(), k);
        }
        return kind;
    }

    /** One AdamW step with learning rate {@code lr} and the configured weight decay. */
    public void step(double lr) {
        updateMoments();
        apply(values, lr, weightDecay, values);
        syncValuesToHost();
    }

    /** Advances the step count and the moments from the host gradients; the direction stays on the device. */
    public void updateMoments() {
        int n = params.count();
        step++;
        float invBias1 = (float) (1 / (1 - Math.pow(beta1, step)));
        float invSqrtBias2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            res.hostWritten(grads);           // the layers accumulated them on the host
            backend.launch("adamw_moments", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0,
                    res.deviceView(grads), res.deviceView(m), res.deviceView(v), res.deviceView(direction), kinds, (long) n,
                    (float) beta1, (float) beta2, (float) (1 - beta1), (float) (1 - beta2), invBias1, invSqrtBias2, (float) eps);
            res.deviceWritten(m);
            res.deviceWritten(v);
            res.deviceWritten(direction);
        } finally {
            backend.unlock();
        }
    }

    /**
     * {@code to = from·(1 − lr·wd) − lr·u} on the device with the current direction u, for resident
     * {@code from} and {@code to} (this optimizer's values, or arrays registered by the caller); the
     * host copy of {@code to} is stale afterwards (see {@link ResidentArrays}).
     */
    void apply(float[] from, double lr, double wd, float[] to) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        int n = params.count();
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            Object src = res.deviceView(from), dst = res.deviceView(to);
            backend.launch("adamw_apply", CudaBackend.elementwiseGrid(n), 1, 1, 256, 1, 0,
                    src, res.deviceView(direction), dst, kinds, (long) n, (float) lr, (float) (1 - lr * wd));
            res.deviceWritten(to);
        } finally {
            backend.unlock();
        }
    }

    /** Copies the device values into the set's host array (done by {@link #step}). */
    public void syncValuesToHost() {
        backend.lock();
        try {
            backend.resident().syncToHost(values);
        } finally {
            backend.unlock();
        }
    }

    /** Call after Java code wrote the parameter values (checkpoint restore, a CPU update). */
    public void valuesChangedOnHost() {
        backend.lock();
        try {
            backend.resident().hostWritten(values);
        } finally {
            backend.unlock();
        }
    }

    /** The optimizer state (step, moments), copied from the device; same shape as {@link AdamW#state()}. */
    public AdamW.State state() {
        backend.lock();
        try {
            backend.resident().syncToHost(m);
            backend.resident().syncToHost(v);
        } finally {
            backend.unlock();
        }
        return new AdamW.State(step, m.clone(), v.clone());
    }

    /** Replaces the state by a copy of {@code state} (a checkpoint's); continuing is as if never stopped. */
    public void restore(AdamW.State state) {
        if (state.step() < 0) throw new IllegalArgumentException("AdamW step count must be >= 0, got " + state.step());
        if (state.firstMoment().length != m.length || state.secondMoment().length != v.length) {
            throw new IllegalArgumentException("AdamW state has " + state.firstMoment().length + "/" + state.secondMoment().length
                    + " moments, expected the parameter count " + m.length);
        }
        backend.lock();
        try {
            System.arraycopy(state.firstMoment(), 0, m, 0, m.length);
            System.arraycopy(state.secondMoment(), 0, v, 0, v.length);
            backend.resident().hostWritten(m);
            backend.resident().hostWritten(v);
            step = state.step();
        } finally {
            backend.unlock();
        }
    }

    /** The current Adam direction u [count], copied from the device. */
    public float[] direction() {
        backend.lock();
        try {
            backend.resident().syncToHost(direction);
        } finally {
            backend.unlock();
        }
        return direction.clone();
    }

    public long stepCount() {
        return step;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** The parameter set whose values, gradients and moments this optimizer keeps resident. */
    public ParameterSet parameters() {
        return params;
    }

    @Override
    public void close() {
        backend.lock();
        try {
            for (float[] a : new float[][] {values, grads, m, v, direction}) {
                backend.resident().syncToHost(a);      // nothing computed on the device is lost
                backend.resident().unregister(a);
            }
            backend.freeBuffer(kinds);
        } finally {
            backend.unlock();
        }
    }
}
