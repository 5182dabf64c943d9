package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;
import org.semivim.engine.ops.Ops;

/** {@link OpsParityCases} on the CUDA device; skipped, with the probe's reason, without one. */
class CudaOpsParityTest extends OpsParityCases {
    private static Ops cuda;
    private static CudaBackend backend;

    @BeforeAll
    static void start() {
        backend = GpuTesting.requireCuda();
        cuda = CudaOps.create(backend);
    }

    @Override
    KernelDevice device() {
        return backend;
    }

    @Override
    Ops ops() {
        return cuda;
    }
}
