package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.semivim.engine.optim.AdamW;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;

import java.util.ArrayList;
import java.util.List;

/**
 * Explicit serializers for the training types that hold unmodifiable maps or lists (Kryo cannot
 * rebuild those reflectively): every field written in a fixed order, doubles as their bits.
 */
final class TrainingTypeSerializers {
    private TrainingTypeSerializers() {}

    /** {@link StepRecord}: the scalar fields, then the method fields as JSON values. */
    static final class StepRecords extends Serializer<StepRecord> {
        StepRecords() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output out, StepRecord r) {
            out.writeLong(r.step());
            out.writeDouble(r.labeledEpoch());
            out.writeDouble(r.lr());
            out.writeDouble(r.loss());
            out.writeDouble(r.lossLabeled());
            out.writeDouble(r.lossUnlabeled());
            out.writeDouble(r.maskRate());
            out.writeDouble(r.pseudoAccuracyMasked());
            out.writeDouble(r.pseudoAccuracyAll());
            out.writeDouble(r.gradNorm());
            out.writeBoolean(r.skipped());
            JsonValues.writeMap(out, r.methodFields());
        }

        @Override
        public StepRecord read(Kryo kryo, Input in, Class<? extends StepRecord> type) {
            return new StepRecord(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
                    in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readBoolean(), JsonValues.readMap(in));
        }
    }

    /** {@link TrainState}: header fields, the four flat arrays (teacher may be absent), the method state as JSON values. */
    static final class TrainStates extends Serializer<TrainState> {
        TrainStates() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output out, TrainState s) {
            out.writeString(s.configHash());
            out.writeLong(s.step());
            out.writeLong(s.labeledPosition());
            out.writeLong(s.unlabeledPosition());
            writeFloats(out, s.student());
            float[] teacher = s.teacher();
            out.writeBoolean(teacher != null);
            if (teacher != null) writeFloats(out, teacher);
            AdamW.State adam = s.adamW();
            out.writeLong(adam.step());
            writeFloats(out, adam.firstMoment());
            writeFloats(out, adam.secondMoment());
            JsonValues.writeMap(out, s.methodState());
        }

        @Override
        public TrainState read(Kryo kryo, Input in, Class<? extends TrainState> type) {
            String hash = in.readString();
            long step = in.readLong(), labeled = in.readLong(), unlabeled = in.readLong();
            float[] student = readFloats(in);
            float[] teacher = in.readBoolean() ? readFloats(in) : null;
            AdamW.State adam = new AdamW.State(in.readLong(), readFloats(in), readFloats(in));
            return new TrainState(hash, step, labeled, unlabeled, student, teacher, adam, JsonValues.readMap(in));
        }
    }

    /** The JDK's immutable lists ({@code List.of}, {@code List.copyOf}): size and elements, read back with {@code List.of}. */
    static final class ImmutableLists extends Serializer<List<?>> {
        ImmutableLists() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output out, List<?> list) {
            out.writeVarInt(list.size(), true);
            for (Object o : list) kryo.writeClassAndObject(out, o);
        }

        @Override
        public List<?> read(Kryo kryo, Input in, Class<? extends List<?>> type) {
            int n = in.readVarInt(true);
            List<Object> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) items.add(kryo.readClassAndObject(in));
            return List.copyOf(items);
        }
    }

    static void writeFloats(Output out, float[] a) {
        out.writeVarInt(a.length, true);
        out.writeFloats(a, 0, a.length);
    }

    static float[] readFloats(Input in) {
        return in.readFloats(in.readVarInt(true));
    }
}
