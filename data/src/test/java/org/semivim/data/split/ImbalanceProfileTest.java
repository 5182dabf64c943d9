package org.semivim.data.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every count table of ssl-spec.md §4.2. */
class ImbalanceProfileTest {
    @Test
    void protocolA1() {
        SplitProtocol p = SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT);
        assertArrayEquals(new int[] {1500, 899, 539, 323, 193, 116, 69, 41, 25, 15}, p.labeledCounts());
        assertArrayEquals(new int[] {3000, 1798, 1078, 646, 387, 232, 139, 83, 50, 30}, p.unlabeledCounts());
        assertEquals(3720, Arrays.stream(p.labeledCounts()).sum());
        assertEquals(7443, Arrays.stream(p.unlabeledCounts()).sum());
    }

    @Test
    void protocolA2() {
        SplitProtocol p = SplitProtocol.a2(SplitProtocol.UnlabeledProfile.CONSISTENT);
        assertArrayEquals(new int[] {500, 299, 179, 107, 64, 38, 23, 13, 8, 5}, p.labeledCounts());
        assertArrayEquals(new int[] {4000, 2397, 1437, 861, 516, 309, 185, 111, 66, 40}, p.unlabeledCounts());
        assertEquals(1236, Arrays.stream(p.labeledCounts()).sum());
        assertEquals(9922, Arrays.stream(p.unlabeledCounts()).sum());
    }

    @Test
    void inconsistentVariantsOfA1() {
        SplitProtocol reversed = SplitProtocol.a1(SplitProtocol.UnlabeledProfile.REVERSED);
        assertArrayEquals(new int[] {30, 50, 83, 139, 232, 387, 646, 1078, 1798, 3000}, reversed.unlabeledCounts());
        assertArrayEquals(new int[] {1500, 899, 539, 323, 193, 116, 69, 41, 25, 15}, reversed.labeledCounts());
        int[] uniform = new int[10];
        Arrays.fill(uniform, 3000);
        assertArrayEquals(uniform, SplitProtocol.a1(SplitProtocol.UnlabeledProfile.UNIFORM).unlabeledCounts());
        assertEquals("A1-reversed", reversed.name());
    }

    @Test
    void optionalGamma150() {
        assertArrayEquals(new int[] {1500, 859, 492, 282, 161, 92, 53, 30, 17, 10}, ImbalanceProfile.counts(1500, 150, 10));
    }

    @Test
    void protocolBPoolAndFractions() {
        assertArrayEquals(new int[] {5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}, ImbalanceProfile.counts(5000, 100, 10));
        assertEquals(12406, Arrays.stream(ImbalanceProfile.counts(5000, 100, 10)).sum());
        assertArrayEquals(new int[] {50, 30, 18, 11, 6, 4, 2, 1, 1, 1}, SplitProtocol.b(1).labeledCounts());
        assertArrayEquals(new int[] {250, 150, 90, 54, 32, 19, 12, 7, 4, 3}, SplitProtocol.b(5).labeledCounts());
        assertArrayEquals(new int[] {500, 300, 180, 108, 65, 39, 23, 14, 8, 5}, SplitProtocol.b(10).labeledCounts());
        assertEquals(124, Arrays.stream(SplitProtocol.b(1).labeledCounts()).sum());
        assertEquals(621, Arrays.stream(SplitProtocol.b(5).labeledCounts()).sum());
        assertEquals(1242, Arrays.stream(SplitProtocol.b(10).labeledCounts()).sum());
        // the rest of the pool is unlabeled
        assertArrayEquals(new int[] {4750, 2847, 1706, 1023, 613, 368, 220, 132, 79, 47}, SplitProtocol.b(5).unlabeledCounts());
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ImbalanceProfile.counts(100, 0.5, 10));
        assertThrows(IllegalArgumentException.class, () -> ImbalanceProfile.counts(0, 100, 10));
        assertThrows(IllegalArgumentException.class, () -> ImbalanceProfile.counts(100, Double.NaN, 10));
        assertThrows(IllegalArgumentException.class, () -> SplitProtocol.b(0));
    }
}
