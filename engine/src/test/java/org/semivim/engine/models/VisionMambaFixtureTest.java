package org.semivim.engine.models;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.layers.CrossEntropyLoss;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.reference.VimRef;
import org.semivim.engine.tensor.Tensor;
import org.semivim.engine.testing.VimGoldenFixture;

import static org.semivim.engine.models.VimTestSupport.assertGradClose;
import static org.semivim.engine.models.VimTestSupport.assertLogitsClose;
import static org.semivim.engine.models.VimTestSupport.toDouble;

/**
 * The float {@link VisionMamba} against the golden fixtures of vim_ref.py, on both backends, at the
 * manifest's float32 tolerances: logits (and loss) abs 1e-5 + rel 1e-4; every parameter gradient
 * abs 1e-4 × max|gradient tensor|. The fixture has no input gradient, so ∂L/∂images is compared
 * with {@link VimRef}'s (which the fixture checks) at the same gradient rule. Fixtures with an
 * {@code ssmixup} group are also run with the SSMixup term (their ν, ψ per sample, all layers).
 */
class VisionMambaFixtureTest {

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"vim-ref, cpu", "vim-ref, reference", "vim-ref-head-stride, cpu", "vim-ref-none-mean, cpu",
            "vim-ref-uni-middle, cpu", "vim-ref-none-last, cpu", "vim-ref-none-last, reference"})
    void matchesFixture(String dir, String backend) {
        VimGoldenFixture fx = VimGoldenFixture.load(dir);
        Ops ops = backend.equals("cpu") ? Ops.cpu() : Ops.reference();
        VisionMamba model = new VisionMamba(fx.config, ops);
        VimTestSupport.loadParams(model.parameters(), fx);
        Tensor images = Tensor.wrap(fx.floats("input"), fx.shape("input"));
        check(dir, fx, model, images, ForwardMode.eval(), "");
        if (fx.hasSsMixup()) {
            float[] psi = fx.floats("ssmixup.psi");
            ForwardMode mode = ForwardMode.eval().withSsMixup(new ForwardMode.SsMixup((float) fx.ssMixupNu(), psi, fx.config.depth()));
            check(dir, fx, model, images, mode, "ssmixup.");
        }
    }

    private static void check(String dir, VimGoldenFixture fx, VisionMamba model, Tensor images, ForwardMode mode, String group) {
        int[] labels = fx.labels();
        model.parameters().zeroGrads();
        ImageClassifier.Pass pass = model.forward(images, mode);
        assertLogitsClose(dir + " " + group + "logits", fx.floats(group + "logits"), toDouble(pass.logits().toArray()));
        CrossEntropyLoss.Result ce = new CrossEntropyLoss(Ops.cpu()).hardLabels(pass.logits(), labels);
        assertLogitsClose(dir + " " + group + "loss", fx.floats(group + "loss"), new double[] {ce.loss()});
        Tensor dImages = Tensor.zeros(images.shape());
        model.backward(pass, ce.dlogits(), dImages);
        for (Parameter p : model.parameters().parameters()) {
            assertGradClose(dir + " " + group + "grad." + p.name(), fx.floats(group + "grad." + p.name()), toDouble(p.grad().toArray()));
        }
        // input gradient: VimRef on the same numbers
        VimRef.SsMix mix = mode.ssMixup() == null ? null
                : new VimRef.SsMix(toDouble(mode.ssMixup().psi()), mode.ssMixup().nu(), mode.ssMixup().layers());
        VimRef.Forward f = VimRef.forward(fx.config, fx.params(), fx.doubles("input"), fx.batch(), mix, null);
        double[] dLogits = new double[f.logits.length];
        VimRef.crossEntropy(f.logits, labels, fx.config.numClasses(), dLogits);
        double[] refImageGrad = VimRef.backward(f, fx.params(), dLogits).image();
        assertGradClose(dir + " " + group + "d images", VimTestSupport.toFloat(refImageGrad), toDouble(dImages.toArray()));
    }
}
