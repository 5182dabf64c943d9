package org.semivim.engine.layers;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.ActivationRef;
import org.semivim.engine.reference.LinearRef;
import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.semivim.engine.layers.MultiHeadAttentionTest.assertClose;
import static org.semivim.engine.layers.MultiHeadAttentionTest.doubles;
import static org.semivim.engine.layers.MultiHeadAttentionTest.random;

class MlpTest {
    private static final int R = 2, L = 5, D = 6, HID = 24;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Both backends against LinearRef + ActivationRef in double; 2e-5 of max-abs as in MultiHeadAttentionTest (GEMMs over ≤ 24 terms). */
    @Test
    void bothBackendsMatchTheDoubleReference() {
        Tensor x = random(1, R, L, D);
        Tensor dy = random(2, R, L, D);
        for (Ops ops : new Ops[]{Ops.cpu(), Ops.reference()}) {
            ParameterSet.Builder b = ParameterSet.builder();
            Mlp mlp = new Mlp(ops, b, "mlp", D, HID);
            ParameterSet params = b.build();
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < params.count(); i++) params.flatValues().set(i, (float) rnd.nextDouble(-0.8, 0.8));
            assertEquals(java.util.List.of("mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias"), java.util.List.copyOf(params.names()));

            Mlp.Output out = mlp.forward(x);
            Tensor dx = Tensor.zeros(x.shape());
            mlp.backward(x, out, dy, dx);

            int rows = R * L;
            double[] w1 = doubles(params.get("mlp.fc1.weight")), b1 = doubles(params.get("mlp.fc1.bias"));
            double[] w2 = doubles(params.get("mlp.fc2.weight")), b2 = doubles(params.get("mlp.fc2.bias"));
            double[] xd = doubles(x.toArray()), dyd = doubles(dy.toArray());
            double[] h = new double[rows * HID], a = new double[rows * HID], y = new double[rows * D];
            LinearRef.linearForward(xd, w1, b1, h, rows, D, HID);
            ActivationRef.geluForward(h, a);
            LinearRef.linearForward(a, w2, b2, y, rows, HID, D);
            double[] da = new double[rows * HID], dh = new double[rows * HID], dxd = new double[rows * D];
            double[] dw1 = new double[w1.length], db1 = new double[HID], dw2 = new double[w2.length], db2 = new double[D];
            LinearRef.linearBackward(a, w2, dyd, da, dw2, db2, rows, HID, D);
            ActivationRef.geluBackward(h, da, dh);
            LinearRef.linearBackward(xd, w1, dh, dxd, dw1, db1, rows, D, HID);

            assertClose(ops + " y", y, out.y().toArray(), 2e-5);
            assertClose(ops + " dx", dxd, dx.toArray(), 2e-5);
            assertClose(ops + " dfc1.weight", dw1, params.get("mlp.fc1.weight").grad().toArray(), 2e-5);
            assertClose(ops + " dfc1.bias", db1, params.get("mlp.fc1.bias").grad().toArray(), 2e-5);
            assertClose(ops + " dfc2.weight", dw2, params.get("mlp.fc2.weight").grad().toArray(), 2e-5);
            assertClose(ops + " dfc2.bias", db2, params.get("mlp.fc2.bias").grad().toArray(), 2e-5);
        }
    }

    @Test
    void gradientsDoNotDependOnThreadCount() {
        Tensor x = random(4, 8, 33, D);
        Tensor dy = random(5, 8, 33, D);
        Parallel.setThreads(1);
        float[][] one = run(x, dy);
        Parallel.setThreads(3);
        float[][] three = run(x, dy);
        for (int i = 0; i < one.length; i++) assertArrayEquals(one[i], three[i], "result " + i);
    }

    private static float[][] run(Tensor x, Tensor dy) {
        ParameterSet.Builder b = ParameterSet.builder();
        Mlp mlp = new Mlp(Ops.cpu(), b, "mlp", D, HID);
        ParameterSet params = b.build();
        SplittableRandom rnd = new SplittableRandom(6);
        for (int i = 0; i < params.count(); i++) params.flatValues().set(i, (float) rnd.nextDouble(-0.8, 0.8));
        Mlp.Output out = mlp.forward(x);
        Tensor dx = Tensor.zeros(x.shape());
        mlp.backward(x, out, dy, dx);
        return new float[][]{out.y().toArray(), dx.toArray(), params.flatGrads().toArray()};
    }
}
