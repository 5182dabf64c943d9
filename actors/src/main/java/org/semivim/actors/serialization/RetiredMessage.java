package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * The Kryo ID of a message class that the protocol no longer has. {@link MessageRegistry}'s IDs are
 * positions, so a retired class keeps its slot (the classes after it keep their IDs) and the slot
 * refuses, naming what it was: bytes of that ID come from a peer of an older version.
 */
final class RetiredMessage {
    private RetiredMessage() {}

    /** The slot of {@code StudentTrainer.ComputeShards} (composed shards; replaced by StepInputs + ComputeLabelled). */
    static final class ComputeShards {
        private ComputeShards() {}
    }

    /** Refuses reading and writing, naming the retired message. */
    static final class Refusing extends Serializer<Object> {
        private final String name;

        Refusing(String name) {
            this.name = name;
        }

        @Override
        public void write(Kryo kryo, Output output, Object object) {
            throw new IllegalArgumentException(name + " is a retired message: nothing sends it");
        }

        @Override
        public Object read(Kryo kryo, Input input, Class<?> type) {
            throw new IllegalArgumentException("a " + name + " arrived: that message was retired (" + name
                    + "); the peer runs an older version of the protocol");
        }
    }
}
