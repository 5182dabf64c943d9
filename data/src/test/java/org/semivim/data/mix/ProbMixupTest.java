package org.semivim.data.mix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

class ProbMixupTest {
    private static final int N = 16, C = 2, H = 6, W = 5, CLASSES = 10;

    /** Inputs where every element encodes (sample, position): x[i, c, y, x] = 1000·i + c·100 + y·10 + x. */
    private static Tensor inputs() {
        Tensor t = Tensor.zeros(N, C, H, W);
        for (int i = 0; i < N; i++) for (int c = 0; c < C; c++) for (int y = 0; y < H; y++) for (int x = 0; x < W; x++)
            t.set(((i * C + c) * H + y) * W + x, 1000 * i + c * 100 + y * 10 + x);
        return t;
    }

    private static float[] confidences() {
        float[] o = new float[N];
        for (int i = 0; i < N; i++) o[i] = 0.3f + 0.04f * i;
        return o;
    }

    private static int[] labels() {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) y[i] = (i * 3) % CLASSES;
        return y;
    }

    @Test
    void everyElementFollowsSection24() {
        Tensor x = inputs();
        float[] o = confidences();
        int[] yhat = labels();
        ProbMixup.Mixed m = new ProbMixup(7, CLASSES, 0.1, 0.7).apply(x, o, yhat, 3);
        assertArrayEquals(inputs().toArray(), x.toArray(), "inputs are not modified");
        boolean[] seen = new boolean[N];
        int cut = 0;
        for (int i = 0; i < N; i++) {
            int j = m.partner()[i];
            assertFalse(seen[j], "pairing is a bijection");
            seen[j] = true;
            double psi0 = o[i] / ((double) o[i] + o[j]);
            for (int c = 0; c < C; c++) for (int y = 0; y < H; y++) for (int xx = 0; xx < W; xx++) {
                int at = ((i * C + c) * H + y) * W + xx;
                float own = x.get(at), other = x.get(at - i * C * H * W + j * C * H * W), got = m.inputs().get(at);
                if (m.cutmix()[i]) {
                    assertTrue(got == own || got == other, "cutmix takes pixels from i or its partner");
                } else {
                    assertEquals((float) psi0 * own + (float) (1 - psi0) * other, got, 1e-3f);
                }
            }
            if (m.cutmix()[i]) {
                cut++;
                int fromPartner = 0;
                for (int k = 0; k < H * W; k++) if (i != j && m.inputs().get(i * C * H * W + k) == x.get(j * C * H * W + k)) fromPartner++;
                if (i != j) assertEquals(1 - fromPartner / (double) (H * W), m.psi()[i], 1e-12, "corrected psi = kept fraction");
            } else {
                assertEquals(psi0, m.psi()[i], 1e-12);
            }
            assertEquals(Math.max(o[i], o[j]) >= 0.7f, m.mask()[i], "mask from max(o_i, o_j) >= tau");
            double on = 1 - 0.1 + 0.01, off = 0.01;
            double[] q = new double[CLASSES];
            java.util.Arrays.fill(q, off);
            q[yhat[i]] += m.psi()[i] * (on - off);
            q[yhat[j]] += (1 - m.psi()[i]) * (on - off);
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                assertEquals(q[k], m.targets().get(i * CLASSES + k), 1e-6);
                sum += m.targets().get(i * CLASSES + k);
            }
            assertEquals(1.0, sum, 1e-6);
        }
        assertTrue(cut > 2 && cut < 14, "about half use cutmix: " + cut);
    }

    @Test
    void drawsFollowTheDocumentedCounterLayout() {
        ProbMixup.Mixed m = new ProbMixup(7, CLASSES, 0.1, 0.7).apply(inputs(), confidences(), labels(), 3);
        CounterRng rng = CounterRng.of(7, "semivim.probmixup").derive(3);
        int[] perm = new int[N];
        for (int i = 0; i < N; i++) perm[i] = i;
        for (int i = N - 1, c = 0; i >= 1; i--, c++) {
            int j = rng.nextInt(c, i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        assertArrayEquals(perm, m.partner());
        for (int i = 0; i < N; i++) assertEquals(rng.uniform(N - 1 + 3L * i) < 0.5f, m.cutmix()[i]);
        assertArrayEquals(m.partner(), new ProbMixup(7, CLASSES, 0.1, 0.7).apply(inputs(), confidences(), labels(), 3).partner());
    }

    @Test
    void psiOneLeavesTheSampleUnmixedAndZeroConfidencesAreHandled() {
        float[] o = confidences();
        ProbMixup mix = new ProbMixup(7, CLASSES, 0.1, 0.7);
        int[] partner = mix.apply(inputs(), o, labels(), 3).partner();
        int i = 0;
        while (partner[i] == i) i++;
        o[partner[i]] = 0f;                         // psi_i = o_i / (o_i + 0) = 1
        ProbMixup.Mixed m = mix.apply(inputs(), o, labels(), 3);
        for (int k = 0; k < C * H * W; k++) assertEquals(inputs().get(i * C * H * W + k), m.inputs().get(i * C * H * W + k));
        assertEquals(1.0, m.psi()[i]);
        float[] zeros = new float[N];
        ProbMixup.Mixed z = mix.apply(inputs(), zeros, labels(), 3);
        for (int k = 0; k < N; k++) {
            assertFalse(Double.isNaN(z.psi()[k]));
            assertFalse(z.mask()[k]);
        }
    }

    @Test
    void badInputIsRejected() {
        ProbMixup mix = new ProbMixup(7, CLASSES, 0.1, 0.7);
        assertThrows(IllegalArgumentException.class, () -> mix.apply(Tensor.zeros(3, 1, 4, 4), new float[3], new int[3], 0), "odd batch (R-S12)");
        float[] nan = confidences();
        nan[2] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> mix.apply(inputs(), nan, labels(), 0));
        int[] bad = labels();
        bad[0] = CLASSES;
        assertThrows(IllegalArgumentException.class, () -> mix.apply(inputs(), confidences(), bad, 0));
        assertThrows(IllegalArgumentException.class, () -> mix.apply(inputs(), new float[N - 1], labels(), 0));
        assertThrows(IllegalArgumentException.class, () -> new ProbMixup(1, CLASSES, 0.1, 1.5));
    }
}
