package org.semivim.engine.param;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ParameterSetTest {

    @Test
    void flatStorageFollowsDeclarationOrder() {
        ParameterSet.Builder b = ParameterSet.builder();
        Parameter w = b.declare("fc.weight", 3, 2);
        Parameter bias = b.declare("fc.bias", 3);
        Parameter tok = b.declareNoDecay("cls_token", 1, 1, 4);
        ParameterSet ps = b.build();
        assertEquals(6 + 3 + 4, ps.count());
        assertEquals(0, w.offset());
        assertEquals(6, bias.offset());
        assertEquals(9, tok.offset());
        w.value().set(5, 2.5f);
        assertEquals(2.5f, ps.flatValues().get(5));
        tok.grad().set(0, 1f);
        assertEquals(1f, ps.flatGrads().get(9));
        assertEquals(java.util.List.of("fc.weight", "fc.bias", "cls_token"), java.util.List.copyOf(ps.names()));
    }

    @Test
    void timmWeightDecayRule() {
        ParameterSet.Builder b = ParameterSet.builder();
        Parameter w = b.declare("a.weight", 2, 2);
        Parameter bias = b.declare("a.bias", 2);
        Parameter norm = b.declare("norm.weight", 2);
        Parameter alog = b.declare("layers.0.mixer.A_log", 2, 3);
        Parameter pos = b.declareNoDecay("pos_embed", 1, 2, 2);
        b.build();
        assertTrue(w.weightDecay());
        assertFalse(bias.weightDecay());
        assertFalse(norm.weightDecay());
        assertTrue(alog.weightDecay(), "A_log is 2-D and decayed in official training (vim-spec §8)");
        assertFalse(pos.weightDecay());
    }

    @Test
    void duplicatesUnknownNamesAndLayoutMismatchAreErrors() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("x", 2);
        assertThrows(IllegalArgumentException.class, () -> b.declare("x", 3));
        ParameterSet ps = b.build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ps.get("y"));
        assertTrue(e.getMessage().contains("'y'"));
        ParameterSet.Builder b2 = ParameterSet.builder();
        b2.declare("x", 3);
        ParameterSet other = b2.build();
        assertThrows(IllegalArgumentException.class, () -> ps.copyValuesFrom(other));
        assertThrows(IllegalStateException.class, b::build);
    }
}
