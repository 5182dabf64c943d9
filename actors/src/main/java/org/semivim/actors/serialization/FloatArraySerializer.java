package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * {@code float[]} on the wire in bulk: Kryo's own format (the length + 1 as a variable-length int, 0 for
 * null, then 4 bytes per value, little-endian), written and read a block at a time through a
 * {@link FloatBuffer} view of a scratch byte array instead of Kryo's value-by-value {@code writeFloats}
 * (θ and every gradient [P] cross nodes as float[]). The bits are kept exactly (raw bits, NaN payloads
 * included; Kryo's writer canonicalises NaNs, which is the only difference in the bytes). A length that
 * the remaining bytes cannot hold is refused before anything is allocated. One instance per Kryo (its
 * scratch is not shared between threads).
 */
final class FloatArraySerializer extends Serializer<float[]> {
    /** Floats per block: the scratch is 4× this in bytes. */
    private static final int BLOCK = 8192;

    private final byte[] scratch = new byte[4 * BLOCK];
    private final FloatBuffer view = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();

    FloatArraySerializer() {
        super(true, true);   // accepts null, immutable (no copy semantics needed)
    }

    @Override
    public void write(Kryo kryo, Output output, float[] values) {
        if (values == null) {
            output.writeByte(Kryo.NULL);
            return;
        }
        output.writeVarInt(values.length + 1, true);
        writeValues(output, values, 0, values.length);
    }

    @Override
    public float[] read(Kryo kryo, Input input, Class<? extends float[]> type) {
        int lengthPlusOne = input.readVarInt(true);
        if (lengthPlusOne == Kryo.NULL) return null;
        return readValues(input, lengthPlusOne - 1, "float[]");
    }

    /** Writes {@code values[offset, offset + count)}, 4 little-endian bytes each, exact bits. */
    void writeValues(Output output, float[] values, int offset, int count) {
        for (int done = 0; done < count; ) {
            int n = Math.min(BLOCK, count - done);
            view.clear();
            view.put(values, offset + done, n);
            output.writeBytes(scratch, 0, 4 * n);
            done += n;
        }
    }

    /**
     * Reads {@code count} values written by {@link #writeValues}; {@code what} names them in the error when the
     * message ends before them (truncated or corrupt: the length would read past its end).
     */
    float[] readValues(Input input, int count, String what) {
        if (count < 0) throw new IllegalArgumentException(what + " on the wire has a negative length " + count + " (corrupt message)");
        if (input.getInputStream() == null) {
            long remaining = (long) input.limit() - input.position();
            if (4L * count > remaining) {
                throw new IllegalArgumentException(what + " on the wire claims " + count + " values (" + 4L * count + " bytes) but only " + remaining
                        + " bytes remain: the message is truncated or corrupt");
            }
        }
        float[] values = new float[count];
        for (int done = 0; done < count; ) {
            int n = Math.min(BLOCK, count - done);
            input.readBytes(scratch, 0, 4 * n);
            view.clear();
            view.get(values, done, n);
            done += n;
        }
        return values;
    }
}
