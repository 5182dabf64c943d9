package org.semivim.gpu;

import org.junit.jupiter.api.BeforeAll;
import org.semivim.engine.ops.Ops;

/**
 * {@link DeviceUpdatesCases} on the CUDA device, with the ops and the update backend exactly as
 * {@code --device cuda} selects them ({@code OpsProvider.select}); skipped, with the probe's reason,
 * without a GPU.
 */
class CudaDeviceUpdatesTest extends DeviceUpdatesCases {
    private static CudaBackend backend;
    private static Ops ops;

    @BeforeAll
    static void device() {
        backend = GpuTesting.requireCuda();
        ops = OpsProvider.select("cuda", m -> { }).ops();
    }

    @Override
    Ops deviceOps() {
        return ops;
    }

    @Override
    boolean fixedOrder() {
        return false;
    }

    @Override
    boolean residentOnTheDevice(float[] array) {
        backend.lock();
        try {
            return backend.resident().isResident(array);
        } finally {
            backend.unlock();
        }
    }
}
