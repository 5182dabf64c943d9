package org.semivim.engine.reference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.testing.GradCheck;
import org.semivim.engine.testing.VimGoldenFixture;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-model central-difference check of {@link VimRef}'s backward, in double: the input image and
 * a sample of every parameter tensor, for the cross-entropy loss with the SSMixup term on
 * (ν = 0.1, ψ per sample) and, in one case, drop-path scales (one sample's path dropped).
 *
 * <p>Tolerance: eps 1e-5 gives a truncation error ~eps²·|f'''| ≈ 1e-10 and a rounding error
 * ~1e-16/eps = 1e-11 on a loss of order 1, so analytic and numeric derivatives must agree to
 * rtol 1e-6 with an absolute floor of 1e-9 (for derivatives that are themselves ~0). Some
 * gradients are exactly 0 by structure: with a head class token the last layer's forward-direction
 * A_log (the state at position 0 does not depend on A), with a last-token read-out its A_b_log.
 */
class VimRefGradCheckTest {

    @ParameterizedTest(name = "{0} ssmixup={1} droppath={2}")
    @CsvSource({"vim-ref, true, false", "vim-ref, false, true", "vim-ref-head-stride, true, true",
            "vim-ref-none-mean, true, false", "vim-ref-uni-middle, false, false", "vim-ref-none-last, true, true"})
    void backwardMatchesCentralDifferences(String dir, boolean ssMixup, boolean dropPath) {
        VimGoldenFixture fx = VimGoldenFixture.load(dir);
        VimConfig cfg = fx.config;
        Map<String, double[]> p = fx.params();
        double[] image = fx.doubles("input");
        int batch = fx.batch();
        int[] labels = fx.labels();
        double[] psi = new double[batch];
        for (int b = 0; b < batch; b++) psi[b] = 0.25 + 0.5 * b / Math.max(1, batch - 1);
        VimRef.SsMix mix = ssMixup ? new VimRef.SsMix(psi, 0.1, cfg.depth()) : null;
        double[][] dropScale = null;
        if (dropPath) {
            dropScale = new double[cfg.depth()][batch];
            for (int j = 0; j < cfg.depth(); j++) {
                for (int b = 0; b < batch; b++) dropScale[j][b] = (j + b) % 3 == 1 ? 0.0 : 1.0 / 0.8;   // mask / keep
            }
        }
        double[][] scales = dropScale;
        VimRef.Forward f = VimRef.forward(cfg, p, image, batch, mix, scales);
        double[] dLogits = new double[batch * cfg.numClasses()];
        VimRef.crossEntropy(f.logits, labels, cfg.numClasses(), dLogits);
        VimRef.Gradients g = VimRef.backward(f, p, dLogits);

        java.util.function.ToDoubleFunction<double[]> loss = ignored -> {
            VimRef.Forward fp = VimRef.forward(cfg, p, image, batch, mix, scales);
            return VimRef.crossEntropy(fp.logits, labels, cfg.numClasses(), new double[batch * cfg.numClasses()]);
        };
        // GradCheck fails on the first element outside atol + rtol·max(|analytic|, |numeric|)
        GradCheck.check(dir + " input", image, g.image(), loss, 1e-5, 1e-6, 1e-9, 24);
        assertTrue(maxAbs(g.image()) > 1e-4, "the input gradient is not trivially zero");
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            // the loss reads p, so perturbing e.getValue() in place perturbs the model
            GradCheck.check(dir + " " + e.getKey(), e.getValue(), g.params().get(e.getKey()), loss, 1e-5, 1e-6, 1e-9, 4);
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
