package org.semivim.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * Where the selective-scan backward ({@link ScanBackward}) finds one sample's [L,E] token streams:
 * inputs u, Δraw, z, dOut, dReadout and results du, dΔraw, dz. Element (t, e) of stream i is at
 * {@code array(i)[base(i) + t·E' + e]}, E' = E rounded up to a multiple of W: a sample's stream is
 * one contiguous [L,E'] run, read and written in token order.
 *
 * <p>Two bindings, chosen by the channel count alone: when E is a multiple of W
 * ({@link #bindTensors}), the kernel reads the [B,L,E] tensors in place and adds its results to the
 * values there ({@link #addResults}). Otherwise ({@link #bindPadded}) the sample is first copied
 * into per-thread buffers [L][E'] with zeros past the last channel, so the last, partial block runs
 * the same vector code (its padded lanes stay exactly 0 in every state and add nothing to dBm/dCm);
 * results are written there and added back by {@link #copyBack}. Both give the same bits: the same
 * operations on the same values (ScanKernelsTest).
 */
final class ScanStreams {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int W = S.length();
    static final int U = 0, DELTA_RAW = 1, Z = 2, D_OUT = 3, D_READOUT = 4, DU = 5, D_DELTA_RAW = 6, DZ = 7;

    private static final ThreadLocal<ScanStreams> PER_THREAD = ThreadLocal.withInitial(ScanStreams::new);

    /** The padded buffers [L][E'] of {@link #bindPadded}, one per stream, allocated when first needed. */
    private final float[][] padded = new float[8][];
    private final float[][] array = new float[8][];
    private final int[] base = new int[8];
    /** True when the kernels must add their results to the values already there (backward into the tensors). */
    boolean addResults;
    /**
     * True when the dΔraw stream is a caller's scratch buffer ({@link #bindWritten}) that the kernel
     * writes, every element once, whatever {@link #addResults} says: no zero-fill before the call.
     */
    boolean writeDeltaGradient;

    private ScanStreams() {}

    static ScanStreams forThread() {
        return PER_THREAD.get();
    }

    /** Channels rounded up to a multiple of W. */
    static int paddedChannels(int ch) {
        return (ch + W - 1) / W * W;
    }

    /** True when the tensors can be bound in place (E a multiple of W). */
    static boolean inPlace(int ch) {
        return ch % W == 0;
    }

    float[] array(int stream) {
        return array[stream];
    }

    /** Offset of token 0, channel 0 in {@link #array}(stream). */
    int base(int stream) {
        return base[stream];
    }

    /** Binds sample bi of the tensors in place (null entries: unused streams); results are added to the tensors' values. */
    void bindTensors(Tensor[] tensors, int bi, int len, int ch) {
        for (int i = 0; i < 8; i++) {
            array[i] = tensors[i] == null ? null : tensors[i].data;
            base[i] = tensors[i] == null ? 0 : tensors[i].offset + bi * len * ch;
        }
        addResults = true;
        writeDeltaGradient = false;
    }

    /** Rebinds one stream to a caller's [L,E'] buffer at {@code base} (after {@link #bindTensors} or {@link #bindPadded}). */
    void bind(int stream, float[] buffer, int base) {
        array[stream] = buffer;
        this.base[stream] = base;
    }

    /**
     * Binds the dΔraw stream to a caller's [L,E'] scratch buffer at {@code base} that the kernel writes
     * in full (its old contents are never read), after {@link #bindTensors} or {@link #bindPadded}.
     */
    void bindWrittenDeltaGradient(float[] buffer, int base) {
        bind(D_DELTA_RAW, buffer, base);
        writeDeltaGradient = true;
    }

    /** Copies sample bi of the input tensors (null: unused) into the zero-padded buffers and binds those. */
    void bindPadded(Tensor[] tensors, int bi, int len, int ch) {
        int cp = paddedChannels(ch);
        for (int i = 0; i < 8; i++) {
            if (padded[i] == null || padded[i].length < len * cp) padded[i] = new float[len * cp];
            if (i < DU && tensors[i] != null) {
                for (int t = 0; t < len; t++) {
                    System.arraycopy(tensors[i].data, tensors[i].offset + (bi * len + t) * ch, padded[i], t * cp, ch);
                    Arrays.fill(padded[i], t * cp + ch, (t + 1) * cp, 0f);
                }
            }
            array[i] = padded[i];
            base[i] = 0;
        }
        addResults = false;
        writeDeltaGradient = false;
    }

    /** After {@link #bindPadded}: adds result stream i into sample bi of t [B,L,E]. */
    void copyBack(int stream, Tensor t, int bi, int len, int ch) {
        float[] src = padded[stream];
        int cp = paddedChannels(ch);
        for (int tok = 0; tok < len; tok++) {
            int row = t.offset + (bi * len + tok) * ch;
            for (int e = 0; e < ch; e++) t.data[row + e] = src[tok * cp + e] + t.data[row + e];
        }
    }
}
