package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.GradCheck;
import org.semivim.engine.testing.VimRefTensors;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatchEmbedTest {

    private record Layer(PatchEmbed embed, ParameterSet params) {}

    private static Layer layer(Ops ops, int chans, int dim, int patch, int stride, long seed) {
        ParameterSet.Builder b = ParameterSet.builder();
        PatchEmbed pe = new PatchEmbed(ops, b, "patch_embed", chans, dim, patch, stride);
        ParameterSet params = b.build();
        float[] w = ScanInputs.tensor(GradCheck.randomWeights(seed, pe.weight().value().size), pe.weight().value().size).data;
        System.arraycopy(w, 0, pe.weight().value().data, pe.weight().value().offset, w.length);
        float[] bias = ScanInputs.tensor(GradCheck.randomWeights(seed + 1, dim), dim).data;
        System.arraycopy(bias, 0, pe.bias().value().data, pe.bias().value().offset, dim);
        return new Layer(pe, params);
    }

    @Test
    void declaresOfficialNamesAndShapes() {
        Layer l = layer(Ops.reference(), 3, 192, 16, 16, 1);
        assertEquals(List.of("patch_embed.proj.weight", "patch_embed.proj.bias"), List.copyOf(l.params.names()));
        assertArrayEquals(new int[] {192, 3, 16, 16}, l.embed.weight().value().shape());
        assertEquals(196, l.embed.numPatches(224, 224));
        assertEquals(14, l.embed.gridSize(224));
        PatchEmbed stride8 = new PatchEmbed(Ops.reference(), ParameterSet.builder(), "p", 3, 8, 16, 8);
        assertEquals(729, stride8.numPatches(224, 224)); // the "+" fine-tune at stride 8 (vim-spec.md §1)
    }

    /** act.patch_tokens of the vim_ref.py fixture (1×28×28 images, p = s = 7, D = 32). Float GEMM: 1e-6 of max. */
    @Test
    void matchesFixtureTokens() {
        VimRefTensors fx = VimRefTensors.load();
        int[] w = fx.shape("patch_embed.proj.weight");
        for (Ops ops : new Ops[] {Ops.reference(), Ops.cpu()}) {
            ParameterSet.Builder b = ParameterSet.builder();
            PatchEmbed pe = new PatchEmbed(ops, b, "patch_embed", w[1], w[0], w[2], fx.derived("patch_stride"));
            b.build();
            pe.weight().value().copyFrom(Tensor.wrap(fx.floats("patch_embed.proj.weight"), w));
            pe.bias().value().copyFrom(Tensor.wrap(fx.floats("patch_embed.proj.bias"), w[0]));
            Tensor tokens = pe.forward(Tensor.wrap(fx.floats("input"), fx.shape("input")));
            float[] expected = fx.floats("act.patch_tokens");
            assertArrayEquals(fx.shape("act.patch_tokens"), tokens.shape());
            float max = 0;
            for (float v : expected) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], tokens.get(i), 1e-6f * max, ops + " token element " + i);
            }
        }
    }

    /**
     * Gradients against central differences. The layer is affine in each of W, b and img, so a
     * central difference has no truncation error at any step size: eps = 0.25 keeps the float
     * rounding of the forward (about 1e-7 of |tokens|) far below the signal, and the check holds to
     * 1e-4. Overlapping patches (stride 2 < patch 4) exercise the accumulation of dimg.
     */
    @Test
    void backwardMatchesCentralDifferences() {
        int batch = 2, chans = 2, dim = 5, p = 4, s = 2, h = 10, wd = 8;
        Layer l = layer(Ops.reference(), chans, dim, p, s, 3);
        PatchEmbed pe = l.embed;
        Tensor img = ScanInputs.tensor(GradCheck.randomWeights(5, batch * chans * h * wd), batch, chans, h, wd);
        int m = pe.numPatches(h, wd);
        double[] r = GradCheck.randomWeights(6, batch * m * dim);
        Tensor dTokens = ScanInputs.tensor(r, batch, m, dim);
        Tensor dImg = Tensor.zeros(batch, chans, h, wd);
        pe.backward(img, dTokens, dImg);

        checkTensor("dW", pe.weight().value(), pe.weight().grad(), () -> weighted(pe.forward(img), dTokens));
        checkTensor("db", pe.bias().value(), pe.bias().grad(), () -> weighted(pe.forward(img), dTokens));
        checkTensor("dimg", img, dImg, () -> weighted(pe.forward(img), dTokens));
    }

    private static double weighted(Tensor tokens, Tensor r) {
        double s = 0;
        for (int i = 0; i < tokens.size; i++) s += (double) tokens.get(i) * r.get(i);
        return s;
    }

    /** Central differences of loss() with respect to the float tensor x, written through its storage. */
    private static void checkTensor(String what, Tensor x, Tensor grad, java.util.function.DoubleSupplier loss) {
        double[] xd = new double[x.size], gd = new double[x.size];
        for (int i = 0; i < x.size; i++) {
            xd[i] = x.get(i);
            gd[i] = grad.get(i);
        }
        GradCheck.check(what, xd, gd, v -> {
            for (int i = 0; i < v.length; i++) x.set(i, (float) v[i]);
            return loss.getAsDouble();
        }, 0.25, 1e-4, 1e-5, 300);
        for (int i = 0; i < x.size; i++) x.set(i, (float) xd[i]); // GradCheck restored xd, not the tensor
    }

    @Test
    void backwardAccumulatesAndAcceptsNoImageGradient() {
        Layer l = layer(Ops.cpu(), 1, 6, 7, 7, 9);
        PatchEmbed pe = l.embed;
        Tensor img = ScanInputs.tensor(GradCheck.randomWeights(10, 2 * 28 * 28), 2, 1, 28, 28);
        Tensor dTokens = ScanInputs.tensor(GradCheck.randomWeights(11, 2 * 16 * 6), 2, 16, 6);
        pe.backward(img, dTokens, null);
        float[] once = pe.weight().grad().toArray(), onceBias = pe.bias().grad().toArray();
        Tensor dImg = Tensor.zeros(2, 1, 28, 28);
        pe.backward(img, dTokens, dImg);
        float[] twice = pe.weight().grad().toArray(), twiceBias = pe.bias().grad().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-6f * Math.max(1, Math.abs(twice[i])));
        for (int i = 0; i < onceBias.length; i++) assertEquals(2 * onceBias[i], twiceBias[i], 1e-6f * Math.max(1, Math.abs(twiceBias[i])));
        float[] imgGrad = dImg.toArray();
        pe.backward(img, dTokens, dImg);
        for (int i = 0; i < imgGrad.length; i++) assertEquals(2 * imgGrad[i], dImg.get(i), 1e-6f * Math.max(1, Math.abs(imgGrad[i])));
    }

    @Test
    void rejectsBadInput() {
        PatchEmbed pe = layer(Ops.reference(), 3, 8, 4, 4, 1).embed;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pe.forward(Tensor.zeros(2, 1, 16, 16)));
        assertTrue(e.getMessage().contains("[B,3,H,W]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pe.forward(Tensor.zeros(2, 3, 3, 16)));
        assertTrue(e.getMessage().contains("smaller than the patch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> pe.backward(Tensor.zeros(2, 3, 16, 16), Tensor.zeros(2, 15, 8), null));
        assertTrue(e.getMessage().contains("token gradient") && e.getMessage().contains("[2, 16, 8]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new PatchEmbed(Ops.reference(), ParameterSet.builder(), "p", 3, 8, 0, 4));
    }
}
