package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;
import org.semivim.engine.ops.Ops;

/** {@link OpsParityCases} on the CUDA device; skipped, with the probe's reason, without one. */
class CudaOpsParityTest extends OpsParityCases {
    private static Ops cuda;

    @BeforeAll
    static void device() {
        cuda = CudaOps.create(GpuTesting.requireCuda());
    }

    @Override
    Ops ops() {
        return cuda;
    }
}
