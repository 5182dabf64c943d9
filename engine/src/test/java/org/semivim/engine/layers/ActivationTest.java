package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.reference.ActivationRef;
import org.semivim.engine.tensor.Tensor;

import java.util.function.DoubleUnaryOperator;

import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.uniform;

/** Each Activation kind computes its own function and slope (tolerances as CpuElementwiseOpsTest). */
class ActivationTest {
    private static void check(Activation.Kind kind, DoubleUnaryOperator f, DoubleUnaryOperator slope) {
        Activation act = new Activation(Ops.cpu(), kind);
        Tensor x = uniform(kind.ordinal(), -25f, 25f, 4, 7, 9), dy = uniform(99, -1f, 1f, 4, 7, 9);
        Tensor y = act.forward(x);
        Tensor dx = Tensor.zeros(4, 7, 9);
        act.backward(x, dy, dx);
        float[] yRef = new float[x.size], dxRef = new float[x.size];
        for (int i = 0; i < x.size; i++) {
            yRef[i] = (float) f.applyAsDouble(x.data[i]);
            dxRef[i] = (float) (dy.data[i] * slope.applyAsDouble(x.data[i]));
        }
        assertClose(kind + " y", yRef, y.data, 1e-6, 1e-7);
        assertClose(kind + " dx", dxRef, dx.data, 1e-6, 1e-7);
    }

    @Test
    void siluGeluAndSoftplus() {
        check(Activation.Kind.SILU, ActivationRef::silu, ActivationRef::siluGrad);
        check(Activation.Kind.GELU, ActivationRef::gelu, ActivationRef::geluGrad);
        check(Activation.Kind.SOFTPLUS, ActivationRef::softplus, ActivationRef::softplusGrad);
    }
}
