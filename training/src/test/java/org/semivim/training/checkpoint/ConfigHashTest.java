package org.semivim.training.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigHashTest {

    @Test
    void canonicalJsonSortsKeysRecursivelyAndNormalisesNumbers() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1.0);
        inner.put("a", 0.1f);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("method", "lyapema");
        config.put("opt", inner);
        config.put("lr", 3e-2);
        config.put("steps", 1000L);
        config.put("list", List.of(3, 1, 2));
        config.put("none", null);
        config.put("tiny", 1e-8);
        assertEquals("{\"list\":[3,1,2],\"lr\":0.03,\"method\":\"lyapema\",\"none\":null,\"opt\":{\"a\":0.1,\"z\":1},\"steps\":1000,\"tiny\":0.00000001}",
                ConfigHash.canonicalJson(config));
    }

    @Test
    void hashIsSha256OfTheCanonicalText() {
        // sha256("{\"a\":1}") computed with coreutils: printf '{"a":1}' | sha256sum
        assertEquals("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862", ConfigHash.of(Map.of("a", 1)));
    }

    @Test
    void keyOrderAndNumberSpellingDoNotChangeTheHash() throws Exception {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("x", 1);
        a.put("y", 0.5);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("y", 0.5f);
        b.put("x", 1.0);
        assertEquals(ConfigHash.of(a), ConfigHash.of(b));
        assertEquals(ConfigHash.of(a), ConfigHash.of(new ObjectMapper().readTree("{\"y\": 5E-1, \"x\": 1.00}")));
        record Cfg(int x, double y) {}
        assertEquals(ConfigHash.of(a), ConfigHash.of(new Cfg(1, 0.5)));
    }

    @Test
    void anyValueChangeChangesTheHash() {
        String base = ConfigHash.of(Map.of("x", 1, "list", List.of(1, 2)));
        assertNotEquals(base, ConfigHash.of(Map.of("x", 2, "list", List.of(1, 2))));
        assertNotEquals(base, ConfigHash.of(Map.of("x", 1, "list", List.of(2, 1))));
        assertNotEquals(base, ConfigHash.of(Map.of("x", "1", "list", List.of(1, 2))));
        assertNotEquals(base, ConfigHash.of(Map.of("x", 1, "list", List.of(1, 2), "extra", false)));
    }

    @Test
    void nonFiniteNumbersAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigHash.of(Map.of("lr", Double.NaN)));
        assertEquals("config value at $.lr is NaN (not JSON)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigHash.of(Map.of("o", Map.of("w", Float.POSITIVE_INFINITY))));
    }
}
