package org.semivim.gpu;

import org.semivim.engine.ops.NormOps;
import org.semivim.engine.tensor.Tensor;

/**
 * {@link NormOps} with the kernels of {@code norm.cu}: one block per row for the statistics and dx;
 * dw (and db) are column sums over chunks of {@link #rowsPerChunk} rows added with atomics.
 */
final class CudaNormOps implements NormOps {
    private static final int THREADS = 256;
    private final KernelDevice device;

    CudaNormOps(KernelDevice device) {
        this.device = device;
    }

    /** Rows per block of the parameter-gradient column sums: about 128 chunks whatever R. */
    static int rowsPerChunk(int rows) {
        return Math.max(1, (rows + 127) / 128);
    }

    @Override
    public void rmsNormForward(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        String op = "rmsNormForward";
        int d = GpuChecks.need(op, "w", w).size;
        int r = GpuChecks.rows(op, "x", x, d);
        GpuChecks.sameSize(op, "y", y, "x", x);
        GpuChecks.size(op, "rstd", rstd, r);
        if (r == 0) return;
        try (KernelSession s = device.open()) {
            s.launch("rmsnorm_fwd", r, 1, 1, THREADS, 1, 0, s.in(x), s.in(w), eps, s.out(y), s.out(rstd), r, d);
        }
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        String op = "rmsNormBackward";
        int d = GpuChecks.need(op, "w", w).size;
        int r = GpuChecks.rows(op, "x", x, d);
        GpuChecks.size(op, "rstd", rstd, r);
        GpuChecks.sameSize(op, "dy", dy, "x", x);
        GpuChecks.sameSize(op, "dx", dx, "x", x);
        GpuChecks.size(op, "dw", dw, d);
        if (r == 0) return;
        try (KernelSession s = device.open()) {
            var px = s.in(x);
            var pr = s.in(rstd);
            var pdy = s.in(dy);
            s.launch("rmsnorm_bwd_dx", r, 1, 1, THREADS, 1, 0, px, s.in(w), pr, pdy, s.inOut(dx), r, d);
            int chunk = rowsPerChunk(r);
            s.launch("rmsnorm_bwd_dw", (d + 255) / 256, (r + chunk - 1) / chunk, 1, 256, 1, 0, px, pr, pdy, s.inOut(dw), r, d, chunk);
        }
    }

    @Override
    public void layerNormForward(Tensor x, Tensor w, Tensor b, float eps, Tensor y, Tensor mean, Tensor rstd) {
        String op = "layerNormForward";
        int d = GpuChecks.need(op, "w", w).size;
        int r = GpuChecks.rows(op, "x", x, d);
        GpuChecks.size(op, "b", b, d);
        GpuChecks.sameSize(op, "y", y, "x", x);
        GpuChecks.size(op, "mean", mean, r);
        GpuChecks.size(op, "rstd", rstd, r);
        if (r == 0) return;
        try (KernelSession s = device.open()) {
            s.launch("layernorm_fwd", r, 1, 1, THREADS, 1, 0, s.in(x), s.in(w), s.in(b), eps, s.out(y), s.out(mean), s.out(rstd), r, d);
        }
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
        String op = "layerNormBackward";
        int d = GpuChecks.need(op, "w", w).size;
        int r = GpuChecks.rows(op, "x", x, d);
        GpuChecks.size(op, "mean", mean, r);
        GpuChecks.size(op, "rstd", rstd, r);
        GpuChecks.sameSize(op, "dy", dy, "x", x);
        GpuChecks.sameSize(op, "dx", dx, "x", x);
        GpuChecks.size(op, "dw", dw, d);
        GpuChecks.size(op, "db", db, d);
        if (r == 0) return;
        try (KernelSession s = device.open()) {
            var px = s.in(x);
            var pm = s.in(mean);
            var pr = s.in(rstd);
            var pdy = s.in(dy);
            s.launch("layernorm_bwd_dx", r, 1, 1, THREADS, 1, 0, px, s.in(w), pm, pr, pdy, s.inOut(dx), r, d);
            int chunk = rowsPerChunk(r);
            s.launch("layernorm_bwd_dwdb", (d + 255) / 256, (r + chunk - 1) / chunk, 1, 256, 1, 0,
                    px, pm, pr, pdy, s.inOut(dw), s.inOut(db), r, d, chunk);
        }
    }
}
