package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.NormRef;
import org.semivim.engine.tensor.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.engine.testing.FloatArrays.assertClose;
import static org.semivim.engine.testing.FloatArrays.toDouble;
import static org.semivim.engine.testing.FloatArrays.uniform;

/**
 * RMSNorm and LayerNorm layers: official parameter names, initial values, [B, L, D] inputs, and
 * forward/backward equal to the double reference (rounded to float) on the fast backend. The
 * tolerances are those of CpuNormOpsTest (a few float ulps of O(1) values).
 */
class NormLayersTest {
    private static final int B = 3, L = 5, D = 11;

    @Test
    void rmsNormDeclaresOnlyAWeightAndStartsAtOne() {
        ParameterSet.Builder pb = ParameterSet.builder();
        RMSNorm norm = new RMSNorm(Ops.cpu(), pb, "layers.0.norm", D, 1e-5f);
        ParameterSet ps = pb.build();
        assertEquals(List.of("layers.0.norm.weight"), List.copyOf(ps.names()));
        assertArrayEquals(new int[] {D}, ps.get("layers.0.norm.weight").shape());
        assertFalse(norm.weight().weightDecay(), "1-d parameters are not decayed");
        norm.initialize();
        for (float v : norm.weight().value().toArray()) assertEquals(1f, v);
    }

    @Test
    void layerNormDeclaresWeightAndBiasWithTimmEps() {
        ParameterSet.Builder pb = ParameterSet.builder();
        LayerNorm norm = new LayerNorm(Ops.cpu(), pb, "blocks.0.norm1", D);
        ParameterSet ps = pb.build();
        assertEquals(List.of("blocks.0.norm1.weight", "blocks.0.norm1.bias"), List.copyOf(ps.names()));
        assertEquals(1e-6f, norm.eps());
        norm.bias().value().fill(3f);
        norm.initialize();
        for (float v : norm.weight().value().toArray()) assertEquals(1f, v);
        for (float v : norm.bias().value().toArray()) assertEquals(0f, v);
    }

    @Test
    void rmsNormForwardAndBackwardMatchTheDoubleReference() {
        ParameterSet.Builder pb = ParameterSet.builder();
        RMSNorm norm = new RMSNorm(Ops.cpu(), pb, "norm_f", D, 1e-5f);
        pb.build();
        norm.weight().value().copyFrom(uniform(1, 0.5f, 1.5f, D));
        Tensor x = uniform(2, -2f, 2f, B, L, D), dy = uniform(3, -1f, 1f, B, L, D);
        RMSNorm.Output out = norm.forward(x);
        assertArrayEquals(new int[] {B, L, D}, out.y().shape());
        assertEquals(B * L, out.rstd().size);
        Tensor dx = Tensor.zeros(B, L, D);
        norm.backward(x, out, dy, dx);

        int rows = B * L;
        double[] y = new double[rows * D], rstd = new double[rows], dxR = new double[rows * D], dwR = new double[D];
        double[] w = toDouble(norm.weight().value().toArray());
        NormRef.rmsNormForward(toDouble(x.data), w, 1e-5f, y, rstd, rows, D);
        NormRef.rmsNormBackward(toDouble(x.data), w, rstd, toDouble(dy.data), dxR, dwR, rows, D);
        assertClose("y", toFloat(y), out.y().data, 1e-6, 1e-6);
        assertClose("dx", toFloat(dxR), dx.data, 1e-6, 2e-6);
        assertClose("dw", toFloat(dwR), norm.weight().grad().toArray(), 1e-5, 1e-5);

        norm.backward(x, out, dy, null); // dx not wanted: only dw accumulates (now twice)
        float[] twice = toFloat(dwR);
        for (int j = 0; j < D; j++) twice[j] *= 2;
        assertClose("dw accumulated twice", twice, norm.weight().grad().toArray(), 1e-5, 1e-5);
    }

    @Test
    void layerNormForwardAndBackwardMatchTheDoubleReference() {
        ParameterSet.Builder pb = ParameterSet.builder();
        LayerNorm norm = new LayerNorm(Ops.cpu(), pb, "norm", D);
        pb.build();
        norm.weight().value().copyFrom(uniform(4, 0.5f, 1.5f, D));
        norm.bias().value().copyFrom(uniform(5, -0.5f, 0.5f, D));
        Tensor x = uniform(6, -2f, 3f, B, L, D), dy = uniform(7, -1f, 1f, B, L, D);
        LayerNorm.Output out = norm.forward(x);
        Tensor dx = Tensor.zeros(B, L, D);
        norm.backward(x, out, dy, dx);

        int rows = B * L;
        double[] y = new double[rows * D], mean = new double[rows], rstd = new double[rows];
        double[] dxR = new double[rows * D], dwR = new double[D], dbR = new double[D];
        double[] w = toDouble(norm.weight().value().toArray()), b = toDouble(norm.bias().value().toArray());
        NormRef.layerNormForward(toDouble(x.data), w, b, 1e-6f, y, mean, rstd, rows, D);
        NormRef.layerNormBackward(toDouble(x.data), w, mean, rstd, toDouble(dy.data), dxR, dwR, dbR, rows, D);
        assertClose("y", toFloat(y), out.y().data, 1e-6, 2e-6);
        assertClose("mean", toFloat(mean), out.mean().data, 1e-6, 1e-7);
        assertClose("dx", toFloat(dxR), dx.data, 1e-6, 2e-6);
        assertClose("dw", toFloat(dwR), norm.weight().grad().toArray(), 1e-5, 1e-5);
        assertClose("db", toFloat(dbR), norm.bias().grad().toArray(), 1e-6, 1e-5);
    }

    @Test
    void wrongWidthsAreRejected() {
        ParameterSet.Builder pb = ParameterSet.builder();
        RMSNorm rms = new RMSNorm(Ops.cpu(), pb, "a", D, 1e-5f);
        LayerNorm ln = new LayerNorm(Ops.cpu(), pb, "b", D);
        pb.build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rms.forward(Tensor.zeros(2, D + 1)));
        assertTrue(e.getMessage().contains("last dimension " + D), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ln.forward(Tensor.zeros(D - 1)));
        assertThrows(IllegalArgumentException.class, () -> new RMSNorm(Ops.cpu(), ParameterSet.builder(), "c", D, 0f));
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
