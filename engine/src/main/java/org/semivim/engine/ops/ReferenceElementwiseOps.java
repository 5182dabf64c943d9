package org.semivim.engine.ops;

import org.semivim.engine.reference.ActivationRef;
import org.semivim.engine.tensor.Tensor;

/** The plain activation backend: copies to double, runs {@link ActivationRef}, rounds the results to float. */
public final class ReferenceElementwiseOps implements ElementwiseOps {

    /** A double forward y = f(x) of {@link ActivationRef}. */
    private interface DoubleForward {
        void apply(double[] x, double[] y);
    }

    /** A double backward dx += dy · f′(x) of {@link ActivationRef}. */
    private interface DoubleBackward {
        void apply(double[] x, double[] dy, double[] dx);
    }

    private static void forward(String op, Tensor x, Tensor y, DoubleForward f) {
        OpChecks.pointwise(op, x, y);
        double[] yD = new double[x.size];
        f.apply(DoubleCopies.of(x), yD);
        DoubleCopies.store(yD, y);
    }

    private static void backward(String op, Tensor x, Tensor dy, Tensor dx, DoubleBackward f) {
        OpChecks.pointwise(op, x, dy, dx);
        double[] dxD = DoubleCopies.of(dx); // start from the values to accumulate into
        f.apply(DoubleCopies.of(x), DoubleCopies.of(dy), dxD);
        DoubleCopies.store(dxD, dx);
    }

    @Override
    public void siluForward(Tensor x, Tensor y) {
        forward("siluForward", x, y, ActivationRef::siluForward);
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        backward("siluBackward", x, dy, dx, ActivationRef::siluBackward);
    }

    @Override
    public void geluForward(Tensor x, Tensor y) {
        forward("geluForward", x, y, ActivationRef::geluForward);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        backward("geluBackward", x, dy, dx, ActivationRef::geluBackward);
    }

    @Override
    public void softplusForward(Tensor x, Tensor y) {
        forward("softplusForward", x, y, ActivationRef::softplusForward);
    }

    @Override
    public void softplusBackward(Tensor x, Tensor dy, Tensor dx) {
        backward("softplusBackward", x, dy, dx, ActivationRef::softplusBackward);
    }
}
