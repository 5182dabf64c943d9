package org.semivim.engine.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

/**
 * The fast norm backend: float arithmetic, row reductions (sums of squares, dot products) and the
 * weight-gradient partials accumulated in double. Rows are split by {@link RowPartition}; each task
 * sums its rows' weight gradients into its own partial buffer and the partials are added in task
 * order, so the results do not depend on the thread count.
 */
public final class CpuNormOps implements NormOps {

    @Override
    public void rmsNormForward(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        int rows = OpChecks.rmsNormForward(x, w, y, rstd);
        int dim = w.size;
        float[] xs = x.data, ws = w.data, ys = y.data, rs = rstd.data;
        int xo = x.offset, wo = w.offset, yo = y.offset, ro = rstd.offset;
        RowPartition part = new RowPartition(rows, dim);
        Parallel.forEach(part.tasks, task -> {
            for (int r = part.start(task); r < part.end(task); r++) {
                int xb = xo + r * dim, yb = yo + r * dim;
                double sumSq = 0;
                for (int j = 0; j < dim; j++) sumSq += (double) xs[xb + j] * xs[xb + j];
                float rowRstd = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
                rs[ro + r] = rowRstd;
                for (int j = 0; j < dim; j++) ys[yb + j] = xs[xb + j] * rowRstd * ws[wo + j];
            }
        });
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        int rows = OpChecks.rmsNormBackward(x, w, rstd, dy, dx, dw);
        int dim = w.size;
        float[] xs = x.data, ws = w.data, rs = rstd.data, gy = dy.data, gx = dx.data;
        int xo = x.offset, wo = w.offset, ro = rstd.offset, gyo = dy.offset, gxo = dx.offset;
        RowPartition part = new RowPartition(rows, dim);
        double[] dwPartials = new double[part.tasks * dim]; // [tasks, D]: Σ over the task's rows of dy ⊙ x̂
        Parallel.forEach(part.tasks, task -> {
            int pb = task * dim;
            for (int r = part.start(task); r < part.end(task); r++) {
                int xb = xo + r * dim, gyb = gyo + r * dim, gxb = gxo + r * dim;
                float rowRstd = rs[ro + r];
                double gDotXhat = 0;
                for (int j = 0; j < dim; j++) gDotXhat += (double) (gy[gyb + j] * ws[wo + j]) * (xs[xb + j] * rowRstd);
                float meanGXhat = (float) (gDotXhat / dim);
                rmsRowGradients(xs, xb, gy, gyb, ws, wo, rowRstd, meanGXhat, gx, gxb, dwPartials, pb, dim);
            }
        });
        addPartialsInTaskOrder(dwPartials, part.tasks, dw);
    }

    @Override
    public void layerNormForward(Tensor x, Tensor w, Tensor b, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = OpChecks.layerNormForward(x, w, b, y, mean, rstd);
        int dim = w.size;
        float[] xs = x.data, ws = w.data, bs = b.data, ys = y.data, ms = mean.data, rs = rstd.data;
        int xo = x.offset, wo = w.offset, bo = b.offset, yo = y.offset, mo = mean.offset, ro = rstd.offset;
        RowPartition part = new RowPartition(rows, dim);
        Parallel.forEach(part.tasks, task -> {
            for (int r = part.start(task); r < part.end(task); r++) {
                int xb = xo + r * dim, yb = yo + r * dim;
                double sum = 0;
                for (int j = 0; j < dim; j++) sum += xs[xb + j];
                double mu = sum / dim;
                double sumSq = 0; // two-pass variance: no cancellation when |mean| ≫ std
                for (int j = 0; j < dim; j++) {
                    double c = xs[xb + j] - mu;
                    sumSq += c * c;
                }
                float rowMean = (float) mu;
                float rowRstd = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
                ms[mo + r] = rowMean;
                rs[ro + r] = rowRstd;
                for (int j = 0; j < dim; j++) ys[yb + j] = (xs[xb + j] - rowMean) * rowRstd * ws[wo + j] + bs[bo + j];
            }
        });
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
        int rows = OpChecks.layerNormBackward(x, w, mean, rstd, dy, dx, dw, db);
        int dim = w.size;
        float[] xs = x.data, ws = w.data, ms = mean.data, rs = rstd.data, gy = dy.data, gx = dx.data;
        int xo = x.offset, wo = w.offset, mo = mean.offset, ro = rstd.offset, gyo = dy.offset, gxo = dx.offset;
        RowPartition part = new RowPartition(rows, dim);
        double[] dwPartials = new double[part.tasks * dim]; // [tasks, D]: Σ over the task's rows of dy ⊙ x̂
        double[] dbPartials = new double[part.tasks * dim]; // [tasks, D]: Σ over the task's rows of dy
        Parallel.forEach(part.tasks, task -> {
            int pb = task * dim;
            for (int r = part.start(task); r < part.end(task); r++) {
                int xb = xo + r * dim, gyb = gyo + r * dim, gxb = gxo + r * dim;
                float rowMean = ms[mo + r], rowRstd = rs[ro + r];
                double sumG = 0, sumGXhat = 0;
                for (int j = 0; j < dim; j++) {
                    float g = gy[gyb + j] * ws[wo + j];
                    sumG += g;
                    sumGXhat += (double) g * ((xs[xb + j] - rowMean) * rowRstd);
                }
                float meanG = (float) (sumG / dim), meanGXhat = (float) (sumGXhat / dim);
                for (int j = 0; j < dim; j++) {
                    float xhat = (xs[xb + j] - rowMean) * rowRstd;
                    gx[gxb + j] += rowRstd * (gy[gyb + j] * ws[wo + j] - meanG - xhat * meanGXhat);
                    dwPartials[pb + j] += (double) gy[gyb + j] * xhat;
                    dbPartials[pb + j] += gy[gyb + j];
                }
            }
        });
        addPartialsInTaskOrder(dwPartials, part.tasks, dw);
        addPartialsInTaskOrder(dbPartials, part.tasks, db);
    }

    /**
     * The engine's one float species (a second float vector shape anywhere in the process pollutes the
     * type profiles of the Vector API's shared code, and the scan kernels then box their vectors), and
     * the double species of half its lanes (the two halves of a float vector widened).
     */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    /**
     * One row of the RMSNorm backward: gx[j] += rstd·(gy_j·w_j − x̂_j·m) and dw[pb + j] += (double) gy_j · x̂_j
     * with x̂_j = x_j·rstd, m = mean(gy·w·x̂). Vectors perform the scalar tail's operations lane by lane
     * (products and sums of two operands, so the operand order does not matter): the same bits wherever
     * j falls.
     */
    private static void rmsRowGradients(float[] xs, int xb, float[] gy, int gyb, float[] ws, int wo, float rowRstd, float mean,
                                        float[] gx, int gxb, double[] dw, int pb, int dim) {
        int j = 0, lanes = FS.length(), half = DS.length();
        FloatVector rv = FloatVector.broadcast(FS, rowRstd), mv = FloatVector.broadcast(FS, mean);
        for (; j + lanes <= dim && 2 * half == lanes; j += lanes) {
            FloatVector g = FloatVector.fromArray(FS, gy, gyb + j);
            FloatVector xhat = FloatVector.fromArray(FS, xs, xb + j).mul(rv);
            FloatVector step = rv.mul(g.mul(FloatVector.fromArray(FS, ws, wo + j)).sub(xhat.mul(mv)));
            FloatVector.fromArray(FS, gx, gxb + j).add(step).intoArray(gx, gxb + j);
            DoubleVector prod0 = ((DoubleVector) g.convertShape(VectorOperators.F2D, DS, 0))
                    .mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, DS, 0));
            DoubleVector prod1 = ((DoubleVector) g.convertShape(VectorOperators.F2D, DS, 1))
                    .mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, DS, 1));
            DoubleVector.fromArray(DS, dw, pb + j).add(prod0).intoArray(dw, pb + j);
            DoubleVector.fromArray(DS, dw, pb + j + half).add(prod1).intoArray(dw, pb + j + half);
        }
        for (; j < dim; j++) {
            float xhat = xs[xb + j] * rowRstd;
            gx[gxb + j] += rowRstd * (gy[gyb + j] * ws[wo + j] - xhat * mean);
            dw[pb + j] += (double) gy[gyb + j] * xhat;
        }
    }

    /** grad += Σ_task partials[task] (partials [tasks, D]), summed in double in task order. */
    private static void addPartialsInTaskOrder(double[] partials, int tasks, Tensor grad) {
        int dim = grad.size;
        for (int j = 0; j < dim; j++) {
            double total = 0;
            for (int t = 0; t < tasks; t++) total += partials[t * dim + j];
            grad.data[grad.offset + j] = (float) (grad.data[grad.offset + j] + total);
        }
    }
}
