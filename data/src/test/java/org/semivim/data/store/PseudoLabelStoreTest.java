package org.semivim.data.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PseudoLabelStoreTest {
    @TempDir Path dir;

    @Test
    void contentsSurviveCloseAndReopen() throws IOException {
        Path file = dir.resolve("stores/pseudo-labels.cm");
        try (PseudoLabelStore store = PseudoLabelStore.open(file, 5000, 10)) {
            for (int i = 0; i < 5000; i += 3) assertTrue(store.put(i, i % 10, (i % 101) / 100f, i / 1000));
            assertEquals(1667, store.size());
        }
        try (PseudoLabelStore reopened = PseudoLabelStore.open(file, 5000, 10)) {
            assertEquals(1667, reopened.size());
            for (int i = 0; i < 5000; i++) {
                Optional<PseudoLabelStore.PseudoLabel> p = reopened.get(i);
                if (i % 3 == 0) {
                    assertEquals(new PseudoLabelStore.PseudoLabel(i % 10, (i % 101) / 100f, i / 1000), p.orElseThrow());
                } else {
                    assertTrue(p.isEmpty(), "sample " + i + " was never written");
                }
            }
        }
    }

    @Test
    void anOlderTeacherVersionNeverReplacesANewerOne() throws IOException {
        try (PseudoLabelStore store = PseudoLabelStore.open(dir.resolve("v.cm"), 10, 10)) {
            assertTrue(store.put(4, 1, 0.9f, 5));
            assertFalse(store.put(4, 2, 0.99f, 4), "version 4 arrives late");
            assertEquals(new PseudoLabelStore.PseudoLabel(1, 0.9f, 5), store.get(4).orElseThrow());
            assertTrue(store.put(4, 3, 0.5f, 5), "same version replaces");
            assertTrue(store.put(4, 7, 0.6f, 6));
            assertEquals(new PseudoLabelStore.PseudoLabel(7, 0.6f, 6), store.get(4).orElseThrow());
            assertEquals(1, store.size());
        }
    }

    @Test
    void badInputIsAClearError() throws IOException {
        try (PseudoLabelStore store = PseudoLabelStore.open(dir.resolve("bad.cm"), 100, 10)) {
            assertMessage(() -> store.put(1, 2, Float.NaN, 0), "confidence", "NaN");
            assertMessage(() -> store.put(1, 2, 1.5f, 0), "confidence", "1.5");
            assertMessage(() -> store.put(1, 10, 0.5f, 0), "label 10", "[0, 10)");
            assertMessage(() -> store.put(1, -1, 0.5f, 0), "label -1");
            assertMessage(() -> store.put(-3, 2, 0.5f, 0), "sample index", "-3");
            assertMessage(() -> store.put(100, 2, 0.5f, 0), "sample index 100", "100 samples");
            assertMessage(() -> store.put(1, 2, 0.5f, -1), "teacher version");
            assertMessage(() -> store.get(-1), "sample index");
            assertEquals(0, store.size());
        }
        assertThrows(IllegalArgumentException.class, () -> PseudoLabelStore.open(dir.resolve("x.cm"), 0, 10));
        assertThrows(IllegalArgumentException.class, () -> PseudoLabelStore.open(dir.resolve("y.cm"), 10, 1));
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
    }
}
