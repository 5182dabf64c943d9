package org.semivim.gpu;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.ParameterSet;

/**
 * {@link TrainingStepCases} with every op on the CPU emulation of the kernels ({@link KernelEmulator}):
 * the models run unchanged on the CUDA ops code. The update is the CPU AdamW (CudaAdamW needs a
 * device; its kernels are checked in EmulatedOptimizerKernelsTest). Skipped without g++.
 */
class EmulatedTrainingStepTest extends TrainingStepCases {
    private static final Ops EMULATED = CudaOps.create("emulated", new KernelEmulator.Device());

    @Override
    Ops ops() {
        return EMULATED;
    }

    @Override
    DoubleConsumerCloseable optimizer(ParameterSet params) {
        AdamW adam = new AdamW(params, 0.05);
        return adam::step;
    }

    @Override
    int batch() {
        return 2;
    }
}
