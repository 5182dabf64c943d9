package org.semivim.gpu;

/**
 * {@link TrainingStepCases} on the CPU emulation of the kernels ({@link EmulatedRuntime}): the models
 * run unchanged on the CUDA ops, with resident parameters and {@link CudaAdamW}. Skipped without g++.
 */
class EmulatedTrainingStepTest extends TrainingStepCases {
    @Override
    DeviceRuntime<?> runtime() {
        return EmulatedRuntime.shared();
    }

    @Override
    int batch() {
        return 2;
    }
}
