package org.semivim.engine.ops;

import org.semivim.engine.reference.NormRef;
import org.semivim.engine.tensor.Tensor;

/** The plain norm backend: copies to double, runs {@link NormRef}, rounds the results to float. */
public final class ReferenceNormOps implements NormOps {

    @Override
    public void rmsNormForward(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        int rows = OpChecks.rmsNormForward(x, w, y, rstd);
        double[] yD = new double[x.size], rstdD = new double[rows];
        NormRef.rmsNormForward(DoubleCopies.of(x), DoubleCopies.of(w), eps, yD, rstdD, rows, w.size);
        DoubleCopies.store(yD, y);
        DoubleCopies.store(rstdD, rstd);
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        int rows = OpChecks.rmsNormBackward(x, w, rstd, dy, dx, dw);
        double[] dxD = DoubleCopies.of(dx), dwD = DoubleCopies.of(dw); // start from the values to accumulate into
        NormRef.rmsNormBackward(DoubleCopies.of(x), DoubleCopies.of(w), DoubleCopies.of(rstd), DoubleCopies.of(dy),
                dxD, dwD, rows, w.size);
        DoubleCopies.store(dxD, dx);
        DoubleCopies.store(dwD, dw);
    }

    @Override
    public void layerNormForward(Tensor x, Tensor w, Tensor b, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = OpChecks.layerNormForward(x, w, b, y, mean, rstd);
        double[] yD = new double[x.size], meanD = new double[rows], rstdD = new double[rows];
        NormRef.layerNormForward(DoubleCopies.of(x), DoubleCopies.of(w), DoubleCopies.of(b), eps, yD, meanD, rstdD,
                rows, w.size);
        DoubleCopies.store(yD, y);
        DoubleCopies.store(meanD, mean);
        DoubleCopies.store(rstdD, rstd);
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
        int rows = OpChecks.layerNormBackward(x, w, mean, rstd, dy, dx, dw, db);
        double[] dxD = DoubleCopies.of(dx), dwD = DoubleCopies.of(dw), dbD = DoubleCopies.of(db);
        NormRef.layerNormBackward(DoubleCopies.of(x), DoubleCopies.of(w), DoubleCopies.of(mean), DoubleCopies.of(rstd),
                DoubleCopies.of(dy), dxD, dwD, dbD, rows, w.size);
        DoubleCopies.store(dxD, dx);
        DoubleCopies.store(dwD, dw);
        DoubleCopies.store(dbD, db);
    }
}
