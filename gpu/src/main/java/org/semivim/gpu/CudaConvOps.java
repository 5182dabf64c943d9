package org.semivim.gpu;

import org.semivim.engine.ops.ConvOps;
import org.semivim.engine.tensor.Tensor;

/** {@link ConvOps} with the kernels of {@code conv.cu}. */
final class CudaConvOps implements ConvOps {
    private final KernelDevice device;

    CudaConvOps(KernelDevice device) {
        this.device = device;
    }

    private static int[] conv1d(String op, Tensor x, Tensor w) {
        GpuChecks.need(op, "x", x);
        GpuChecks.need(op, "w", w);
        if (x.rank() != 3) throw new IllegalArgumentException(op + ": x must be [B,L,E] but got " + x);
        int e = x.dim(2);
        if (w.rank() != 2 || w.dim(0) != e || w.dim(1) < 1) throw new IllegalArgumentException(op + ": w must be [E,K] = [" + e + ",K≥1] but got " + w);
        return new int[] {x.dim(0), x.dim(1), e, w.dim(1)};
    }

    @Override
    public void depthwiseConv1dForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor out) {
        String op = "depthwiseConv1dForward";
        int[] s = conv1d(op, x, w);
        GpuChecks.shape(op, "b", b, s[2]);
        GpuChecks.shape(op, "out", out, x.shape());
        if (x.size == 0) return;
        try (KernelSession sc = device.open()) {
            sc.launch("dwconv1d_fwd", CudaBackend.elementwiseGrid(x.size), 1, 1, 256, 1, 0,
                    sc.in(x), sc.in(w), sc.in(b), reverse, sc.out(out), s[0], s[1], s[2], s[3]);
        }
    }

    @Override
    public void depthwiseConv1dBackward(Tensor x, Tensor w, boolean reverse, Tensor dout, Tensor dx, Tensor dw, Tensor db) {
        String op = "depthwiseConv1dBackward";
        int[] s = conv1d(op, x, w);
        GpuChecks.shape(op, "dout", dout, x.shape());
        GpuChecks.shape(op, "dx", dx, x.shape());
        GpuChecks.shape(op, "dw", dw, w.shape());
        GpuChecks.shape(op, "db", db, s[2]);
        if (x.size == 0) return;
        int rows = s[0] * s[1];
        int chunk = CudaNormOps.rowsPerChunk(rows);
        try (KernelSession sc = device.open()) {
            var pdout = sc.in(dout);
            sc.launch("dwconv1d_bwd_dx", CudaBackend.elementwiseGrid(x.size), 1, 1, 256, 1, 0,
                    sc.in(w), reverse, pdout, sc.inOut(dx), s[0], s[1], s[2], s[3]);
            sc.launch("dwconv1d_bwd_dwdb", (s[2] + 255) / 256, (rows + chunk - 1) / chunk, 1, 256, 1, 0,
                    sc.in(x), reverse, pdout, sc.inOut(dw), sc.inOut(db), s[0], s[1], s[2], s[3], chunk);
        }
    }

    private static int[] patches(String op, Tensor img, int patch, int stride, Tensor patches, String name) {
        GpuChecks.need(op, "image", img);
        GpuChecks.need(op, name, patches);
        if (img.rank() != 4) throw new IllegalArgumentException(op + ": image must be [B,C,H,W] but got " + img);
        if (patch < 1 || stride < 1) throw new IllegalArgumentException(op + ": patch and stride must be positive, got patch " + patch + ", stride " + stride);
        int h = img.dim(2), w = img.dim(3);
        if (h < patch || w < patch) throw new IllegalArgumentException(op + ": image " + img + " is smaller than the patch " + patch + "×" + patch);
        int gh = (h - patch) / stride + 1, gw = (w - patch) / stride + 1;
        GpuChecks.shape(op, name, patches, img.dim(0), gh * gw, img.dim(1) * patch * patch);
        return new int[] {img.dim(0), img.dim(1), h, w, gh, gw};
    }

    @Override
    public void patchify(Tensor img, int patch, int stride, Tensor patches) {
        int[] s = patches("patchify", img, patch, stride, patches, "patches");
        if (patches.size == 0) return;
        try (KernelSession sc = device.open()) {
            sc.launch("patchify", CudaBackend.elementwiseGrid(patches.size), 1, 1, 256, 1, 0,
                    sc.in(img), sc.out(patches), s[0], s[1], s[2], s[3], patch, stride, s[4], s[5]);
        }
    }

    @Override
    public void unpatchifyAccumulate(Tensor dpatches, int patch, int stride, Tensor dimg) {
        int[] s = patches("unpatchifyAccumulate", dimg, patch, stride, dpatches, "dpatches");
        if (dimg.size == 0) return;
        try (KernelSession sc = device.open()) {
            sc.launch("unpatchify_acc", CudaBackend.elementwiseGrid(dimg.size), 1, 1, 256, 1, 0,
                    sc.in(dpatches), sc.inOut(dimg), s[0], s[1], s[2], s[3], patch, stride, s[4], s[5]);
        }
    }
}
