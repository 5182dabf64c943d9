package org.semivim.engine.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semivim.engine.reference.ScanInputs;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The claims of the scan kernels' docs that ScanOpsTest (against the reference) cannot see:
 * {@link ScanBackward}'s group size changes no bit, and the padded binding of {@link ScanStreams}
 * gives the same bits as the in-place one.
 */
class ScanKernelsTest {
    private static final int W = ScanStreams.W;

    /** One sample's backward results: du, dΔraw, dz rows, then dA, dD, dBias, dB, dC as the kernel leaves them. */
    private record Backward(float[][] tokens, double[][] sums, float[][] lanes) {}

    private static Tensor tensor(double[] v, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) v[i];
        return t;
    }

    /** A = −exp(aLog) in blocks [E'/W][N][W], zero past the last channel (as CpuScanOps lays it out). */
    private static float[] aBlocks(ScanInputs s, int cp) {
        float[] out = new float[cp * s.states];
        for (int e = 0; e < s.channels; e++) {
            for (int n = 0; n < s.states; n++) out[((e / W) * s.states + n) * W + e % W] = (float) -Math.exp((float) s.aLog[e * s.states + n]);
        }
        return out;
    }

    private static float[] padded(double[] v, int cp) {
        float[] out = new float[cp];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    private static Backward backward(ScanInputs s, int bi, boolean reverse, int group, boolean inPlace) {
        int len = s.len, ch = s.channels, ns = s.states, cp = ScanStreams.paddedChannels(ch);
        Tensor[] io = {tensor(s.u, s.batch, len, ch), tensor(s.deltaRaw, s.batch, len, ch), tensor(s.z, s.batch, len, ch),
                tensor(s.randomTokens(5), s.batch, len, ch), tensor(s.randomTokens(6), s.batch, len, ch),
                Tensor.zeros(s.batch, len, ch), Tensor.zeros(s.batch, len, ch), Tensor.zeros(s.batch, len, ch)};
        for (int k = 5; k < 8; k++) io[k].fill(0.25f);
        ScanStreams streams = ScanStreams.forThread();
        if (inPlace) streams.bindTensors(io, bi, len, ch);
        else streams.bindPadded(io, bi, len, ch);
        ScanBackward k = ScanBackward.forThread(len, cp, ns, group);
        float[] a = aBlocks(s, cp);
        k.backward(streams, padded(s.deltaBias, cp), padded(s.d, cp), a, CpuScanOps.log2eTimes(a), tensor(s.bm, s.batch, len, ns),
                tensor(s.cm, s.batch, len, ns), bi, reverse, true, len, cp, ns, group);
        if (!inPlace) {
            for (int r = 0; r < 3; r++) streams.copyBack(ScanStreams.DU + r, io[5 + r], bi, len, ch);
        }
        return new Backward(new float[][] {io[5].toArray(), io[6].toArray(), io[7].toArray()},
                new double[][] {Arrays.copyOf(k.dA, cp * ns), Arrays.copyOf(k.dD, cp), Arrays.copyOf(k.dBias, cp)},
                new float[][] {Arrays.copyOf(k.dB, len * ns * W), Arrays.copyOf(k.dC, len * ns * W)});
    }

    private static void assertSameBits(Backward a, Backward b, String what) {
        for (int i = 0; i < 3; i++) assertArrayEquals(a.tokens[i], b.tokens[i], what + ": token result " + i);
        for (int i = 0; i < 3; i++) assertArrayEquals(a.sums[i], b.sums[i], what + ": sum " + i);
        for (int i = 0; i < 2; i++) assertArrayEquals(a.lanes[i], b.lanes[i], what + ": lane partial " + i);
    }

    /** Groups of 1, 3 (uneven: 3 + 1) and all 4 blocks: the same bits (the sums keep their order). */
    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void groupSizeChangesNoBit(boolean reverse) {
        ScanInputs s = new ScanInputs(2, 19, 4 * W, 6, 31);
        for (int bi = 0; bi < 2; bi++) {
            Backward one = backward(s, bi, reverse, 1, true);
            boolean written = false;
            for (float v : one.tokens[0]) written |= v != 0.25f;
            assertTrue(written, "du was written");
            assertSameBits(one, backward(s, bi, reverse, 3, true), "group 3, sample " + bi);
            assertSameBits(one, backward(s, bi, reverse, 4, true), "group 4, sample " + bi);
        }
    }

    /** E a multiple of W: the padded copies give the bits of the in-place binding. */
    @ParameterizedTest(name = "reverse={0}")
    @CsvSource({"false", "true"})
    void paddedBindingGivesTheInPlaceBits(boolean reverse) {
        ScanInputs s = new ScanInputs(2, 17, 2 * W, 5, 43);
        assertSameBits(backward(s, 1, reverse, 2, true), backward(s, 1, reverse, 2, false), "backward");
    }
}
