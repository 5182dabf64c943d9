package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;

/** {@link OptimizerParityCases} on the CUDA device; skipped, with the probe's reason, without one. */
class CudaOptimizerParityTest extends OptimizerParityCases {
    private static CudaBackend backend;

    @BeforeAll
    static void device() {
        backend = GpuTesting.requireCuda();
    }

    @Override
    DeviceRuntime<?> runtime() {
        return backend;
    }
}
