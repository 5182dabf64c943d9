package org.semivim.gpu;

/**
 * {@link OptimizerParityCases} on the CPU emulation of the kernels ({@link EmulatedRuntime}): the
 * optimizers' real code, resident arrays included, on the real optim.cu. Skipped without g++.
 */
class EmulatedOptimizerParityTest extends OptimizerParityCases {
    @Override
    DeviceRuntime<?> runtime() {
        return EmulatedRuntime.shared();
    }
}
