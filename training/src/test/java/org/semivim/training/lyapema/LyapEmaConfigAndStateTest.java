package org.semivim.training.lyapema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.semivim.engine.param.ParameterSet;

/** Settings, state (JSON for checkpoints) and the trainable ranges of R-L10. */
class LyapEmaConfigAndStateTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void defaultsAreTheSpecsValues() {
        LyapEmaConfig c = LyapEmaConfig.defaults();
        assertEquals(LyapEmaConfig.GammaMode.CALIBRATED, c.gammaMode());
        assertEquals(0.99, c.alphaRef());
        assertNull(c.fixedGamma());
        assertEquals(0.01, c.lam0());
        assertEquals(0.01, c.dlam());
        assertEquals(0.1, c.lamMax());
        assertEquals(1.0 / 16, c.sMin());
        assertEquals(1, c.rMax());
        assertEquals(LyapEmaConfig.Pull.IMPLICIT, c.pull());
        assertEquals(Math.log(99), c.logitAlphaRef(), 1e-12);
    }

    @Test
    void badSettingsAreRefusedWithTheirName() {
        expect("s_min", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.99, null, 0.01, 0.01, 0.1, 0, 1, LyapEmaConfig.Pull.IMPLICIT));
        expect("r_max", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.99, null, 0.01, 0.01, 0.1, 0.5, 0, LyapEmaConfig.Pull.IMPLICIT));
        expect("lam0", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.99, null, 0.2, 0.01, 0.1, 0.5, 1, LyapEmaConfig.Pull.IMPLICIT));
        expect("alpha_ref", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 1.0, null, 0.01, 0.01, 0.1, 0.5, 1, LyapEmaConfig.Pull.IMPLICIT));
        expect("ignored", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.CALIBRATED, 0.99, 3.0, 0.01, 0.01, 0.1, 0.5, 1, LyapEmaConfig.Pull.IMPLICIT));
        expect("gamma_mode=fixed", () -> new LyapEmaConfig(LyapEmaConfig.GammaMode.FIXED, 0.99, null, 0.01, 0.01, 0.1, 0.5, 1, LyapEmaConfig.Pull.IMPLICIT));
        expect("lam_max", () -> LyapEmaConfig.defaults().withLam(0.01, 0.01, 3).withPull(LyapEmaConfig.Pull.EXPLICIT));
        expect("s must", () -> new LyapEmaState(0, 0.01, 0, null, 0, 0));
        expect("V_prev", () -> new LyapEmaState(1, 0.01, Double.NaN, null, 0, 0));
        expect("violations", () -> new LyapEmaState(1, 0.01, 0, null, 2, 3));
        expect("gamma", () -> new LyapEmaState(1, 0.01, 0, -1.0, 0, 0));
    }

    @Test
    void stateAndConfigRoundTripThroughJson() throws Exception {
        LyapEmaState calibrated = new LyapEmaState(0.125, 0.04, 3.5e-7, 1234.5678, 17, 9);
        LyapEmaState uncalibrated = LyapEmaState.initial(LyapEmaConfig.defaults(), 0.0);
        for (LyapEmaState s : new LyapEmaState[] {calibrated, uncalibrated}) {
            String text = json.writeValueAsString(s);
            assertFalse(text.contains("hasGamma"), "only the components are written: " + text);
            assertEquals(s, json.readValue(text, LyapEmaState.class), text);
        }
        assertTrue(calibrated.hasGamma());
        assertFalse(uncalibrated.hasGamma());
        for (LyapEmaConfig c : new LyapEmaConfig[] {LyapEmaConfig.defaults(), LyapEmaConfig.defaults().withFixedGamma(12.5)}) {
            assertEquals(c, json.readValue(json.writeValueAsString(c), LyapEmaConfig.class));
        }
    }

    @Test
    void trainableRangesFollowTheParameterSetAndMerge() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("a.weight", 2, 3);     // [0, 6)
        b.declare("a.bias", 2);          // [6, 8)
        b.declare("frozen.weight", 3);   // [8, 11)
        b.declare("c.weight", 4);        // [11, 15)
        ParameterSet set = b.build();
        TrainableRanges r = TrainableRanges.of(set, Set.of("frozen.weight"));
        assertEquals(15, r.count());
        assertEquals(12, r.trainableCount());
        for (int i = 0; i < 15; i++) assertEquals(i < 8 || i >= 11, r.contains(i), "element " + i);
        StringBuilder pieces = new StringBuilder();
        r.forEachPieceIn(4, 13, (s, e) -> pieces.append('[').append(s).append(',').append(e).append(')'));
        assertEquals("[4,8)[11,13)", pieces.toString(), "a.weight and a.bias merge into one range");
        assertEquals(15, TrainableRanges.all(15).trainableCount());
        expect("frozen parameter names", () -> TrainableRanges.of(set, Set.of("nope")));
        expect("overlapping", () -> TrainableRanges.of(10, new int[] {0, 3}, new int[] {5, 8}));
        expect("outside", () -> TrainableRanges.of(10, new int[] {0}, new int[] {11}));
    }

    private static void expect(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message should name '" + fragment + "': " + e.getMessage());
    }
}
