package org.semivim.training.mix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.MambaMixer;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.reference.MambaMixerRef;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * The SSMixup hidden-state term inside the engine's mixer, checked against the rules that define it:
 * R-S6 (the backward readout is aligned to token order) on the fast mixer, and R-S7 (the term is
 * C·h_mix under the paper's shared-C model) on the double reference mixer.
 */
class SsMixupHiddenStateTermTest {
    private static final VimConfig CFG = VimConfig.fromMap(Map.of("img_size", 8, "patch_size", 4, "stride", 4, "in_chans", 1,
            "embed_dim", 8, "depth", 1, "d_state", 3, "d_conv", 3, "num_classes", 2));
    private static final String PREFIX = "m.";
    private static final int BATCH = 2, LEN = 6;

    private static ParameterSet randomMixerParameters(MambaMixer[] mixerOut) {
        ParameterSet.Builder b = ParameterSet.builder();
        mixerOut[0] = new MambaMixer(Ops.cpu(), b, PREFIX, CFG);
        ParameterSet set = b.build();
        CounterRng rng = CounterRng.of(17, "test.ssmixup.term");
        long counter = 0;
        for (Parameter p : set.parameters()) {
            float[] v = p.value().data;
            for (int i = p.offset(); i < p.offset() + p.size(); i++) {
                double g = rng.normal(counter++);
                v[i] = (float) (p.name().contains("A_log") ? Math.log(1 + (i % CFG.dState())) + 0.1 * g
                        : p.name().endsWith(".D") || p.name().endsWith("D_b") ? 1 + 0.1 * g : 0.4 * g);
            }
        }
        return set;
    }

    private static Tensor tokens(long seed) {
        Tensor t = Tensor.zeros(BATCH, LEN, CFG.embedDim());
        CounterRng rng = CounterRng.of(seed, "test.ssmixup.tokens");
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rng.normal(i);
        return t;
    }

    /** term = mixer(hs, psi, nu) − mixer(hs, plain) [B, L, D]: out_proj of nu·(psi·r^f + (1 − psi)·r^b). */
    private static float[] term(MambaMixer mixer, Tensor hs, float psi) {
        float[] with = mixer.forward(hs, new float[] {psi, psi}, 0.5f).y().toArray();
        float[] plain = mixer.forward(hs, null, 0f).y().toArray();
        float[] t = new float[with.length];
        for (int i = 0; i < t.length; i++) t[i] = with[i] - plain[i];
        return t;
    }

    /** Largest |a − b| at position {@code pos} over batch and channels. */
    private static double changeAt(float[] a, float[] b, int pos) {
        double max = 0;
        int d = CFG.embedDim();
        for (int s = 0; s < BATCH; s++) {
            for (int c = 0; c < d; c++) max = Math.max(max, Math.abs(a[(s * LEN + pos) * d + c] - b[(s * LEN + pos) * d + c]));
        }
        return max;
    }

    @Test
    void R_S6_backwardReadoutAtPositionTDependsOnlyOnTokensFromTOn() {
        MambaMixer[] mixer = new MambaMixer[1];
        randomMixerParameters(mixer);
        Tensor hs = tokens(1);
        Tensor firstChanged = hs.copy(), lastChanged = hs.copy();
        int d = CFG.embedDim();
        for (int s = 0; s < BATCH; s++) {
            for (int c = 0; c < d; c++) {
                firstChanged.data[(s * LEN) * d + c] += 2f;
                lastChanged.data[(s * LEN + LEN - 1) * d + c] += 2f;
            }
        }
        // psi = 0: the term is nu·r^b alone. Changing token 0 changes it only at position 0 (the backward state at t
        // has seen tokens L−1..t); psi = 1: nu·r^f, so changing the last token changes only the last position.
        // "Unchanged" positions differ by float rounding only (the term is a difference of two forwards whose
        // forward-branch parts did change), so the bound is 1e-5 against changes of order 0.1.
        float[] base0 = term(mixer[0], hs, 0f), first0 = term(mixer[0], firstChanged, 0f);
        assertTrue(changeAt(base0, first0, 0) > 1e-2, "position 0 sees token 0 in the backward branch");
        for (int t = 1; t < LEN; t++) assertEquals(0, changeAt(base0, first0, t), 1e-5, "backward readout at " + t + " ignores token 0");
        float[] base1 = term(mixer[0], hs, 1f), last1 = term(mixer[0], lastChanged, 1f);
        assertTrue(changeAt(base1, last1, LEN - 1) > 1e-2);
        for (int t = 0; t < LEN - 1; t++) assertEquals(0, changeAt(base1, last1, t), 1e-5, "forward readout at " + t + " ignores the last token");
        float[] last0 = term(mixer[0], lastChanged, 0f);
        for (int t = 0; t < LEN; t++) assertTrue(changeAt(base0, last0, t) > 1e-6, "the backward readout at " + t + " has seen the last token");
    }

    @Test
    void R_S7_termEqualsSharedCTimesMixedStateWhenBothDirectionsShareC() {
        MambaMixer[] mixer = new MambaMixer[1];
        ParameterSet set = randomMixerParameters(mixer);
        Map<String, double[]> p = new HashMap<>();
        for (Parameter q : set.parameters()) {
            float[] v = q.value().toArray();
            double[] dv = new double[v.length];
            for (int i = 0; i < v.length; i++) dv[i] = v[i];
            p.put(q.name(), dv);
        }
        int taps = CFG.dConv();
        double[] conv = p.get(PREFIX + "conv1d.weight");                       // [E, 1, taps]
        for (int i = 0; i < conv.length; i++) if (i % taps != taps - 1) conv[i] = 0;   // only the current-token tap
        p.put(PREFIX + "conv1d_b.weight", conv.clone());
        p.put(PREFIX + "conv1d_b.bias", p.get(PREFIX + "conv1d.bias").clone());
        p.put(PREFIX + "x_proj_b.weight", p.get(PREFIX + "x_proj.weight").clone());
        double worst = maxDeviationFromSharedC(p);
        assertTrue(worst < 1e-12, "term = nu·C·(psi·h^f + (1 − psi)·h^b): worst deviation " + worst);

        // equal x_proj alone is not enough: the causal and anti-causal convolutions still differ
        Map<String, double[]> onlyXProj = new HashMap<>(p);
        double[] fullConv = new double[conv.length];
        CounterRng rng = CounterRng.of(5, "test.conv");
        for (int i = 0; i < fullConv.length; i++) fullConv[i] = 0.4 * rng.normal(i);
        onlyXProj.put(PREFIX + "conv1d.weight", fullConv);
        onlyXProj.put(PREFIX + "conv1d_b.weight", fullConv.clone());
        assertTrue(maxDeviationFromSharedC(onlyXProj) > 1e-6, "C_t differ between directions when the convolutions do");
    }

    /** Largest |merged(psi) − merged(plain) − nu·Σ_n C^f_t[n]·h_mix[e,n]| over the mixer (double reference). */
    private static double maxDeviationFromSharedC(Map<String, double[]> p) {
        int ne = CFG.dInner(), nn = CFG.dState();
        double[] hs = new double[BATCH * LEN * CFG.embedDim()];
        Tensor t = tokens(3);
        for (int i = 0; i < hs.length; i++) hs[i] = t.data[i];
        double[] psi = {0.3, 0.8};
        double nu = 0.5;
        MambaMixerRef.Cache mixed = new MambaMixerRef.Cache(), plain = new MambaMixerRef.Cache();
        MambaMixerRef.forward(CFG, p, PREFIX, hs, BATCH, psi, nu, mixed);
        MambaMixerRef.forward(CFG, p, PREFIX, hs, BATCH, null, 0, plain);
        double[] hb = flipStates(mixed.bwd.scan.h, ne * nn);           // backward states in token order
        double[] cf = mixed.fwd.scan.cm;                                // [B, L, N]
        double worst = 0;
        for (int s = 0; s < BATCH; s++) {
            for (int l = 0; l < LEN; l++) {
                for (int e = 0; e < ne; e++) {
                    double expected = 0;
                    for (int n = 0; n < nn; n++) {
                        int h = (((s * LEN + l) * ne) + e) * nn + n;
                        expected += cf[(s * LEN + l) * nn + n] * (psi[s] * mixed.fwd.scan.h[h] + (1 - psi[s]) * hb[h]);
                    }
                    int i = (s * LEN + l) * ne + e;
                    worst = Math.max(worst, Math.abs(mixed.merged[i] - plain.merged[i] - nu * expected));
                }
            }
        }
        return worst;
    }

    /** Reverses the position axis of [B, L, width]. */
    private static double[] flipStates(double[] a, int width) {
        double[] out = new double[a.length];
        for (int s = 0; s < BATCH; s++) {
            for (int l = 0; l < LEN; l++) System.arraycopy(a, (s * LEN + l) * width, out, (s * LEN + LEN - 1 - l) * width, width);
        }
        return out;
    }
}
