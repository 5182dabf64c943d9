package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;

/** {@link TrainingStepCases} on the CUDA device; skipped, with the probe's reason, without one. */
class CudaTrainingStepTest extends TrainingStepCases {
    private static CudaBackend backend;

    @BeforeAll
    static void device() {
        backend = GpuTesting.requireCuda();
    }

    @Override
    DeviceRuntime<?> runtime() {
        return backend;
    }

    @Override
    int batch() {
        return 6;
    }
}
