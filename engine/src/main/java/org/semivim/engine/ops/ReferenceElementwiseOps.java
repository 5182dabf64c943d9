package org.semivim.engine.ops;

import org.semivim.engine.reference.ActivationRef;
import org.semivim.engine.tensor.Tensor;

/** The plain activation backend: copies to double, runs {@link ActivationRef}, rounds the results to float. */
public final class ReferenceElementwiseOps implements ElementwiseOps {

    @Override
    public void siluForward(Tensor x, Tensor y) {
        OpChecks.pointwise("siluForward", x, y);
        double[] yD = new double[x.size];
        ActivationRef.siluForward(DoubleCopies.of(x), yD);
        DoubleCopies.store(yD, y);
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("siluBackward", x, dy, dx);
        double[] dxD = DoubleCopies.of(dx);
        ActivationRef.siluBackward(DoubleCopies.of(x), DoubleCopies.of(dy), dxD);
        DoubleCopies.store(dxD, dx);
    }

    @Override
    public void geluForward(Tensor x, Tensor y) {
        OpChecks.pointwise("geluForward", x, y);
        double[] yD = new double[x.size];
        ActivationRef.geluForward(DoubleCopies.of(x), yD);
        DoubleCopies.store(yD, y);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("geluBackward", x, dy, dx);
        double[] dxD = DoubleCopies.of(dx);
        ActivationRef.geluBackward(DoubleCopies.of(x), DoubleCopies.of(dy), dxD);
        DoubleCopies.store(dxD, dx);
    }

    @Override
    public void softplusForward(Tensor x, Tensor y) {
        OpChecks.pointwise("softplusForward", x, y);
        double[] yD = new double[x.size];
        ActivationRef.softplusForward(DoubleCopies.of(x), yD);
        DoubleCopies.store(yD, y);
    }

    @Override
    public void softplusBackward(Tensor x, Tensor dy, Tensor dx) {
        OpChecks.pointwise("softplusBackward", x, dy, dx);
        double[] dxD = DoubleCopies.of(dx);
        ActivationRef.softplusBackward(DoubleCopies.of(x), DoubleCopies.of(dy), dxD);
        DoubleCopies.store(dxD, dx);
    }
}
