package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.semivim.engine.tensor.Tensor;

/**
 * An engine {@link Tensor} on the wire: rank, shape, then its {@code size} floats from
 * {@code data[offset, offset + size)}. A view is sent compacted; it is read back as a tensor that owns
 * exactly its values (offset 0). The floats go in bulk ({@link FloatArraySerializer#writeValues}: the same
 * bytes as Kryo's {@code writeFloats}, NaN payloads kept).
 */
final class TensorSerializer extends Serializer<Tensor> {
    private static final int MAX_RANK = 8;

    private final FloatArraySerializer floats = new FloatArraySerializer();

    TensorSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Tensor t) {
        int[] shape = t.shape();
        output.writeVarInt(shape.length, true);
        for (int d : shape) output.writeVarInt(d, true);
        floats.writeValues(output, t.data, t.offset, t.size);
    }

    @Override
    public Tensor read(Kryo kryo, Input input, Class<? extends Tensor> type) {
        int rank = input.readVarInt(true);
        if (rank > MAX_RANK) throw new IllegalArgumentException("tensor on the wire has rank " + rank + " (at most " + MAX_RANK + ")");
        int[] shape = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = input.readVarInt(true);
            size *= shape[i];
        }
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor on the wire is too large: " + size + " values");
        return Tensor.wrap(floats.readValues(input, (int) size, "tensor " + java.util.Arrays.toString(shape)), shape);
    }
}
