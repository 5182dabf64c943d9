package org.semivim.gpu;

import org.semivim.engine.ops.LossOps;
import org.semivim.engine.tensor.Tensor;

/** {@link LossOps} with {@code loss.cu}: per-row losses in double on the device, added in row order here. */
final class CudaLossOps implements LossOps {
    private final KernelDevice device;

    CudaLossOps(KernelDevice device) {
        this.device = device;
    }

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor targets, Tensor rowWeights, Tensor dlogits) {
        String op = "softmaxCrossEntropy";
        GpuChecks.need(op, "logits", logits);
        int k = logits.rank() == 0 ? 1 : logits.dim(-1);
        int r = GpuChecks.rows(op, "logits", logits, k);
        GpuChecks.shape(op, "targets", targets, logits.shape());
        GpuChecks.shape(op, "dlogits", dlogits, logits.shape());
        GpuChecks.size(op, "rowWeights", rowWeights, r);
        if (r == 0) return 0;
        double[] rowLoss;
        try (KernelSession s = device.open()) {
            Object losses = s.scratchDoubles(r);
            s.launch("softmax_xent", r, 1, 1, 256, 1, 0, s.in(logits), s.in(targets), s.in(rowWeights), s.inOut(dlogits), losses, r, k);
            rowLoss = s.doublesAtClose(losses, r);
        }
        double total = 0;
        for (double v : rowLoss) total += v;
        return total;
    }

    @Override
    public double maskedMse(Tensor pred, Tensor target, Tensor mask, Tensor dpred) {
        String op = "maskedMse";
        GpuChecks.need(op, "pred", pred);
        int p = pred.rank() == 0 ? 1 : pred.dim(-1);
        int r = GpuChecks.rows(op, "pred", pred, p);
        GpuChecks.shape(op, "target", target, pred.shape());
        GpuChecks.shape(op, "dpred", dpred, pred.shape());
        GpuChecks.size(op, "mask", mask, r);
        double maskSum = 0;
        for (int i = 0; i < r; i++) maskSum += mask.data[mask.offset + i];
        if (maskSum == 0) return 0;
        double scale = 1.0 / (p * maskSum);
        double[] rowSq;
        try (KernelSession s = device.open()) {
            Object sums = s.scratchDoubles(r);
            s.launch("masked_mse", r, 1, 1, 256, 1, 0, s.in(pred), s.in(target), s.in(mask), s.inOut(dpred), sums, r, p,
                    (float) (2 * scale));
            rowSq = s.doublesAtClose(sums, r);
        }
        double total = 0;
        for (double v : rowSq) total += v;
        return total * scale;
    }
}
