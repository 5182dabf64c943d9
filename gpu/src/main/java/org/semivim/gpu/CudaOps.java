package org.semivim.gpu;

import org.semivim.engine.ops.Ops;

/**
 * The CUDA backend as an engine {@link Ops}: every family runs on the device of one
 * {@link CudaBackend}. Layers and models use it unchanged (docs/gpu.md, "Design").
 */
public final class CudaOps {
    private CudaOps() {}

    public static Ops create(CudaBackend backend) {
        return new Ops("cuda", new CudaGemmOps(backend), new CudaNormOps(backend), new CudaElementwiseOps(backend),
                new CudaConvOps(backend), new CudaScanOps(backend), new CudaLossOps(backend), new CudaAttentionOps(backend));
    }
}
