package org.semivim.data.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-G5: the SSMAE memory is permanent — labels are never revised and the memory never shrinks. */
class PseudoLabelMemoryTest {
    @TempDir Path dir;

    @Test
    void labelsAreNeverRevisedAndTheMemoryOnlyGrows() throws IOException {
        try (PseudoLabelMemory memory = PseudoLabelMemory.open(dir.resolve("memory.cm"), 1000, 10)) {
            assertTrue(memory.admit(42, 3, 0.97f, 10));
            assertFalse(memory.admit(42, 5, 0.99f, 11), "already memorised");
            assertEquals(OptionalInt.of(3), memory.labelOf(42), "the first label stays");
            long size = memory.size();
            for (int epoch = 12; epoch < 20; epoch++) {
                memory.admit(epoch * 7, epoch % 10, 0.96f, epoch);
                memory.admit(42, (epoch + 1) % 10, 0.999f, epoch);
                assertTrue(memory.size() >= size, "the memory never shrinks");
                size = memory.size();
            }
            assertEquals(9, memory.size());
            assertEquals(OptionalInt.of(3), memory.labelOf(42));
            assertEquals(OptionalInt.empty(), memory.labelOf(43));
        }
    }

    @Test
    void memorisedLabelsSurviveARestartInIndexOrder() throws IOException {
        Path file = dir.resolve("memory.cm");
        try (PseudoLabelMemory memory = PseudoLabelMemory.open(file, 1000, 10)) {
            memory.admit(900, 1, 0.96f, 10);
            memory.admit(7, 2, 0.97f, 11);
            memory.admit(300, 9, 0.98f, 12);
        }
        try (PseudoLabelMemory memory = PseudoLabelMemory.open(file, 1000, 10)) {
            List<PseudoLabelMemory.Memorised> entries = memory.entries();
            assertEquals(List.of(new PseudoLabelMemory.Memorised(7, 2, 0.97f, 11), new PseudoLabelMemory.Memorised(300, 9, 0.98f, 12),
                    new PseudoLabelMemory.Memorised(900, 1, 0.96f, 10)), entries);
            assertFalse(memory.admit(300, 0, 0.99f, 13), "after a restart, still never revised");
            assertEquals(OptionalInt.of(9), memory.labelOf(300));
        }
    }

    @Test
    void badInputIsAClearError() throws IOException {
        try (PseudoLabelMemory memory = PseudoLabelMemory.open(dir.resolve("bad.cm"), 100, 10)) {
            PseudoLabelStoreTest.assertMessage(() -> memory.admit(1, 2, Float.NaN, 10), "confidence");
            PseudoLabelStoreTest.assertMessage(() -> memory.admit(1, 12, 0.99f, 10), "label 12");
            PseudoLabelStoreTest.assertMessage(() -> memory.admit(-1, 2, 0.99f, 10), "sample index");
            PseudoLabelStoreTest.assertMessage(() -> memory.admit(1, 2, 0.99f, -2), "epoch");
            assertEquals(0, memory.size());
        }
    }
}
