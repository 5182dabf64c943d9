package org.semivim.gpu;

import org.semivim.engine.ops.Ops;
import org.semivim.training.update.UpdateBackends;

/**
 * {@link DeviceUpdatesCases} on the CPU emulation of the kernels ({@link EmulatedRuntime}): emulated CUDA
 * ops with an emulated {@link CudaUpdateBackend} bound to them, as {@code OpsProvider.select} binds the real
 * one. The emulation runs blocks one at a time, so its atomics add in a fixed order and a resumed run is
 * bit-identical. Skipped without g++.
 */
class EmulatedDeviceUpdatesTest extends DeviceUpdatesCases {
    private static Ops ops;

    @Override
    Ops deviceOps() {
        return boundOps();
    }

    /** The JVM's emulated CUDA ops with the emulated {@link CudaUpdateBackend} bound to them. */
    static synchronized Ops boundOps() {
        if (ops == null) {
            EmulatedRuntime runtime = EmulatedRuntime.shared();
            Ops o = CudaOps.create("emulated", runtime);
            UpdateBackends.bind(o, new CudaUpdateBackend(runtime, "emulated-cuda"));
            ops = o;
        }
        return ops;
    }

    @Override
    boolean fixedOrder() {
        return true;
    }

    @Override
    boolean residentOnTheDevice(float[] array) {
        return EmulatedRuntime.shared().resident().isResident(array);
    }
}
