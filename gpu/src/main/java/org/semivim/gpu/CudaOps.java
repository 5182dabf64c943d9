package org.semivim.gpu;

import org.semivim.engine.ops.Ops;

/**
 * The CUDA backend as an engine {@link Ops}: every family runs on the device of one
 * {@link CudaBackend}. Layers and models use it unchanged (docs/gpu.md, "Design").
 */
public final class CudaOps {
    private CudaOps() {}

    public static Ops create(CudaBackend backend) {
        return create("cuda", backend);
    }

    /** The same ops on any {@link KernelDevice} (the tests' CPU emulation of the kernels). */
    static Ops create(String name, KernelDevice device) {
        return create(name, device, ScanPlan.segmentFromSystemProperties());
    }

    /** With the scan backward's segment length given instead of the system property's. */
    static Ops create(String name, KernelDevice device, int scanSegment) {
        return new Ops(name, new CudaGemmOps(device), new CudaNormOps(device), new CudaElementwiseOps(device),
                new CudaConvOps(device), new CudaScanOps(device, 0, scanSegment), new CudaLossOps(device), new CudaAttentionOps(device),
                new CudaCrossAttentionOps(device));
    }
}
