package org.semivim.data.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.semivim.engine.rng.CounterRng;

class EpochSamplerTest {
    private static final int[] POPULATION = {5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610};

    private static EpochSampler sampler(long seed) {
        return new EpochSampler(POPULATION, seed, "test.sampler");
    }

    @Test
    void eachEpochIsAPermutationThatDependsOnSeedAndEpoch() {
        EpochSampler s = sampler(1);
        int[] sorted = POPULATION.clone();
        for (int e = 0; e < 5; e++) {
            int[] order = s.epochOrder(e);
            int[] check = order.clone();
            Arrays.sort(check);
            assertArrayEquals(sorted, check, "epoch " + e + " is a permutation");
            assertArrayEquals(order, sampler(1).epochOrder(e), "same seed, same epoch, same order");
        }
        assertFalse(Arrays.equals(s.epochOrder(0), s.epochOrder(1)));
        assertFalse(Arrays.equals(s.epochOrder(0), sampler(2).epochOrder(0)));
    }

    @Test
    void epochOrderIsTheDocumentedFisherYates() {
        int[] expected = POPULATION.clone();
        CounterRng rng = CounterRng.of(1, "test.sampler").derive(3);
        for (int i = expected.length - 1, c = 0; i >= 1; i--, c++) {
            int j = rng.nextInt(c, i + 1);
            int t = expected[i];
            expected[i] = expected[j];
            expected[j] = t;
        }
        assertArrayEquals(expected, sampler(1).epochOrder(3));
    }

    @Test
    void takeCrossesEpochBoundaries() {
        EpochSampler s = sampler(4);
        int n = POPULATION.length;
        int[] stream = new int[4 * n];
        for (int e = 0; e < 4; e++) System.arraycopy(s.epochOrder(e), 0, stream, e * n, n);
        for (int from = 0; from < 2 * n; from += 3) {
            assertArrayEquals(Arrays.copyOfRange(stream, from, from + n + 2), s.take(from, n + 2), "from " + from);
        }
    }

    /** A run stopped at any position and resumed from a fresh sampler at that cursor sees exactly the remaining order. */
    @Test
    void resumeFromACursorYieldsExactlyTheRemainingOrder() {
        int n = POPULATION.length;
        EpochSampler.Cursor uninterrupted = sampler(9).cursorAt(0);
        int[] all = uninterrupted.next(4 * n);
        for (int stop = 0; stop <= 3 * n; stop += 5) {
            EpochSampler.Cursor first = sampler(9).cursorAt(0);
            first.next(stop);
            long saved = first.position();
            EpochSampler.Cursor resumed = sampler(9).cursorAt(saved);  // a new process: only the position survives
            int[] rest = resumed.next(4 * n - stop);
            assertArrayEquals(Arrays.copyOfRange(all, stop, 4 * n), rest, "resumed at " + stop);
        }
        EpochSampler.Cursor c = sampler(9).cursorAt(n + 4);
        assertEquals(1, c.epoch());
        assertArrayEquals(Arrays.copyOfRange(sampler(9).epochOrder(1), 4, n), c.restOfEpoch());
        assertEquals(2 * n, c.position());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new EpochSampler(new int[0], 1, "empty"));
        assertThrows(IllegalArgumentException.class, () -> sampler(1).take(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> sampler(1).cursorAt(-5));
    }
}
