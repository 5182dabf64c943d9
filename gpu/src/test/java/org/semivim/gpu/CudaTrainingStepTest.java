package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;

/** {@link TrainingStepCases} on the CUDA device with {@link CudaAdamW}; skipped, with the probe's reason, without one. */
class CudaTrainingStepTest extends TrainingStepCases {
    private static CudaBackend backend;

    @BeforeAll
    static void device() {
        backend = GpuTesting.requireCuda();
    }

    @Override
    Ops ops() {
        return CudaOps.create(backend);
    }

    @Override
    DoubleConsumerCloseable optimizer(ParameterSet params) {
        CudaAdamW adam = new CudaAdamW(backend, params, 0.05);
        return new DoubleConsumerCloseable() {
            @Override
            public void step(double lr) {
                adam.step(lr);
            }

            @Override
            public void close() {
                adam.close();
            }
        };
    }

    @Override
    int batch() {
        return 6;
    }
}
