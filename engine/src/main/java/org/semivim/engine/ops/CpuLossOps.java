package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * The fast loss backend. Rows are split by {@link RowPartition}; per-row sums (log-sum-exp, squared
 * errors) accumulate in double, each row's loss goes to its own slot and the slots are added in row
 * order, so the loss does not depend on the thread count. Gradients are computed in float.
 */
public final class CpuLossOps implements LossOps {

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor targets, Tensor rowWeights, Tensor dlogits) {
        int rows = OpChecks.crossEntropy("softmaxCrossEntropy", logits, targets, rowWeights, dlogits);
        int classes = logits.dim(-1);
        float[] ls = logits.data, ts = targets.data, ws = rowWeights.data, gs = dlogits.data;
        int lo = logits.offset, to = targets.offset, wo = rowWeights.offset, go = dlogits.offset;
        double[] rowLoss = new double[rows]; // [R]: w_r · CE_r
        RowPartition part = new RowPartition(rows, classes);
        Parallel.forEach(part.tasks, task -> {
            for (int r = part.start(task); r < part.end(task); r++) {
                int lb = lo + r * classes, tb = to + r * classes, gb = go + r * classes;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) max = Math.max(max, ls[lb + k]);
                double sumExp = 0;
                for (int k = 0; k < classes; k++) sumExp += Math.exp(ls[lb + k] - max);
                double logSumExp = Math.log(sumExp);
                double ce = 0, targetSum = 0;
                for (int k = 0; k < classes; k++) {
                    float t = ts[tb + k];
                    if (t != 0f) ce -= t * ((ls[lb + k] - max) - logSumExp);
                    targetSum += t;
                }
                float w = ws[wo + r];
                rowLoss[r] = w * ce;
                float tSum = (float) targetSum;
                for (int k = 0; k < classes; k++) {
                    float p = (float) Math.exp((ls[lb + k] - max) - logSumExp);
                    gs[gb + k] += w * (p * tSum - ts[tb + k]);
                }
            }
        });
        double total = 0;
        for (int r = 0; r < rows; r++) total += rowLoss[r];
        return total;
    }

    @Override
    public double maskedMse(Tensor pred, Tensor target, Tensor mask, Tensor dpred) {
        int rows = OpChecks.maskedMse("maskedMse", pred, target, mask, dpred);
        int width = pred.dim(-1);
        float[] ps = pred.data, ts = target.data, ms = mask.data, gs = dpred.data;
        int po = pred.offset, to = target.offset, mo = mask.offset, go = dpred.offset;
        double maskSum = 0;
        for (int r = 0; r < rows; r++) maskSum += ms[mo + r];
        if (maskSum == 0) return 0;
        double scale = 1.0 / (width * maskSum);
        float gradScale = (float) (2 * scale);
        double[] rowLoss = new double[rows]; // [R]: mask_r · Σ_p (pred − target)²
        RowPartition part = new RowPartition(rows, width);
        Parallel.forEach(part.tasks, task -> {
            for (int r = part.start(task); r < part.end(task); r++) {
                int pb = po + r * width, tb = to + r * width, gb = go + r * width;
                float m = ms[mo + r];
                float rowScale = gradScale * m;
                double sq = 0;
                for (int p = 0; p < width; p++) {
                    float d = ps[pb + p] - ts[tb + p];
                    sq += (double) d * d;
                    gs[gb + p] += rowScale * d;
                }
                rowLoss[r] = m * sq;
            }
        });
        double total = 0;
        for (int r = 0; r < rows; r++) total += rowLoss[r];
        return total * scale;
    }
}
