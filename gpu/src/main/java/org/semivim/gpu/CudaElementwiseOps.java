package org.semivim.gpu;

import org.semivim.engine.ops.ElementwiseOps;
import org.semivim.engine.tensor.Tensor;

/** {@link ElementwiseOps} with the kernels of {@code elementwise.cu}; backward accumulates into dx. */
final class CudaElementwiseOps implements ElementwiseOps {
    private final KernelDevice device;

    CudaElementwiseOps(KernelDevice device) {
        this.device = device;
    }

    private void forward(String kernel, Tensor x, Tensor y) {
        GpuChecks.sameSize(kernel, "y", y, "x", x);
        if (x.size == 0) return;
        try (KernelSession s = device.open()) {
            s.launch(kernel, CudaBackend.elementwiseGrid(x.size), 1, 1, 256, 1, 0, s.in(x), s.out(y), (long) x.size);
        }
    }

    private void backward(String kernel, Tensor x, Tensor dy, Tensor dx) {
        GpuChecks.sameSize(kernel, "dy", dy, "x", x);
        GpuChecks.sameSize(kernel, "dx", dx, "x", x);
        if (x.size == 0) return;
        try (KernelSession s = device.open()) {
            s.launch(kernel, CudaBackend.elementwiseGrid(x.size), 1, 1, 256, 1, 0, s.in(x), s.in(dy), s.inOut(dx), (long) x.size);
        }
    }

    @Override public void siluForward(Tensor x, Tensor y) { forward("silu_fwd", x, y); }
    @Override public void siluBackward(Tensor x, Tensor dy, Tensor dx) { backward("silu_bwd", x, dy, dx); }
    @Override public void geluForward(Tensor x, Tensor y) { forward("gelu_fwd", x, y); }
    @Override public void geluBackward(Tensor x, Tensor dy, Tensor dx) { backward("gelu_bwd", x, dy, dx); }
    @Override public void softplusForward(Tensor x, Tensor y) { forward("softplus_fwd", x, y); }
    @Override public void softplusBackward(Tensor x, Tensor dy, Tensor dx) { backward("softplus_bwd", x, dy, dx); }
}
