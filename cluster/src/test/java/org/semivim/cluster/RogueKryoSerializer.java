package org.semivim.cluster;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.semivim.actors.serialization.KryoSerializer;
import org.semivim.actors.serialization.WireMessage;

/**
 * Test peer with a different message registry: it has the semivim serializer's identifier, writes
 * every registered message exactly as {@link KryoSerializer} does, but also writes an
 * {@link Intruder} under a Kryo class ID the real registry does not know (as a peer of another
 * version, or a hostile one, would).
 */
public final class RogueKryoSerializer extends SerializerWithStringManifest {

    /** A message class the real registry does not have. */
    public record Intruder(String payload) implements WireMessage {}

    static final int INTRUDER_ID = 4000;
    private final KryoSerializer real;

    public RogueKryoSerializer(ExtendedActorSystem system) {
        this.real = new KryoSerializer(system);
    }

    @Override
    public int identifier() {
        return KryoSerializer.IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return "";
    }

    @Override
    public byte[] toBinary(Object o) {
        if (!(o instanceof Intruder i)) return real.toBinary(o);
        Kryo kryo = new Kryo();
        kryo.register(Intruder.class, INTRUDER_ID);
        try (Output out = new Output(256, -1)) {
            kryo.writeClassAndObject(out, i);
            return out.toBytes();
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
        return real.fromBinary(bytes, manifest);
    }
}
