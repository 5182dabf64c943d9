package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.ByteBufferOutput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's Pekko serializer: Kryo 5 with registration REQUIRED and the explicit class list of
 * {@link MessageRegistry}; no references, no Java serialization anywhere. Kryo writes the class ID
 * itself, so the manifest is empty. A message with a class that is not registered — at the top or
 * anywhere inside — is refused with an {@link UnregisteredClassException} naming the class; bytes
 * with an unknown class ID are refused the same way. Kryo instances are pooled (one per thread in use).
 * Across nodes Artery uses the {@link ByteBufferSerializer} methods: Kryo writes straight into (and
 * reads straight from) Artery's envelope buffer, with no intermediate {@code byte[]}; the bytes are
 * the same as {@link #toBinary(Object)}'s. A message larger than the buffer (the frame size) fails
 * with Kryo's overflow error, and Artery drops and logs that one message.
 */
public final class KryoSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
    /** The serializer's fixed identifier (Pekko reserves 0–40). */
    public static final int IDENTIFIER = 5_171_401;
    private static final Pattern NOT_REGISTERED = Pattern.compile("Class is not registered: ([^\\s]+)");
    private static final Pattern UNKNOWN_ID = Pattern.compile("Encountered unregistered class ID: (-?\\d+)");

    private final Pool<Kryo> pool;

    /**
     * {@link #toBinary(Object)}'s output buffers, kept between calls so a tensor is not written into a buffer
     * that grows from 4 KiB by doubling each time (the chunked links serialize every θ and gradient here);
     * one that grew beyond {@link #KEPT_OUTPUT_BYTES} is not kept.
     */
    private final Pool<Output> outputs = new Pool<>(true, false, 4) {
        @Override
        protected Output create() {
            return new Output(4096, -1);
        }
    };

    /** The largest output buffer kept for the next {@link #toBinary(Object)} (at most 4 of them). */
    static final int KEPT_OUTPUT_BYTES = 4 * 1024 * 1024;

    public KryoSerializer(ExtendedActorSystem system) {
        this(ActorRefResolver.get(Adapter.toTyped(system)));
    }

    /** A serializer whose actor refs resolve through {@code resolver}. */
    public KryoSerializer(ActorRefResolver resolver) {
        this.pool = new Pool<>(true, false, 16) {
            @Override
            protected Kryo create() {
                Kryo kryo = new Kryo();
                kryo.setRegistrationRequired(true);
                kryo.setReferences(false);
                MessageRegistry.registerAll(kryo, resolver);
                return kryo;
            }
        };
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return "";
    }

    @Override
    public byte[] toBinary(Object o) {
        Kryo kryo = pool.obtain();
        Output out = outputs.obtain();
        try {
            out.reset();
            kryo.writeClassAndObject(out, o);
            return out.toBytes();
        } catch (IllegalArgumentException | KryoException e) {
            throw refusal(e, "serializing", o.getClass().getName());
        } finally {
            if (out.getBuffer().length <= KEPT_OUTPUT_BYTES) outputs.free(out);
            pool.free(kryo);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
        Kryo kryo = pool.obtain();
        try (Input in = new Input(bytes)) {
            Object o = kryo.readClassAndObject(in);
            if (in.position() != bytes.length) {
                throw new IllegalArgumentException("Kryo message of " + bytes.length + " bytes has " + (bytes.length - in.position())
                        + " trailing bytes after a " + (o == null ? "null" : o.getClass().getName()));
            }
            return o;
        } catch (IllegalArgumentException | KryoException e) {
            throw refusal(e, "deserializing", "a message of " + bytes.length + " bytes");
        } finally {
            pool.free(kryo);
        }
    }

    @Override
    public void toBinary(Object o, ByteBuffer buf) {
        Kryo kryo = pool.obtain();
        ByteOrder order = buf.order();   // Kryo's ByteBufferOutput sets big-endian; Artery's buffer is little-endian
        ByteBufferOutput out = new ByteBufferOutput(buf, buf.capacity());   // never grows into another buffer: overflow is an error
        try {
            kryo.writeClassAndObject(out, o);
            out.flush();
        } catch (IllegalArgumentException | KryoException e) {
            throw refusal(e, "serializing", o.getClass().getName());
        } finally {
            buf.order(order);
            pool.free(kryo);
        }
    }

    @Override
    public Object fromBinary(ByteBuffer buf, String manifest) {
        Kryo kryo = pool.obtain();
        ByteOrder order = buf.order();
        int start = buf.position();
        int length = buf.remaining();
        ByteBufferInput in = new ByteBufferInput(buf);
        try {
            Object o = kryo.readClassAndObject(in);
            int read = in.position() - start;
            if (read != length) {
                throw new IllegalArgumentException("Kryo message of " + length + " bytes has " + (length - read)
                        + " trailing bytes after a " + (o == null ? "null" : o.getClass().getName()));
            }
            return o;
        } catch (IllegalArgumentException | KryoException e) {
            throw refusal(e, "deserializing", "a message of " + length + " bytes");
        } finally {
            buf.order(order);
            pool.free(kryo);
        }
    }

    /** Turns Kryo's error into one that names the unregistered class (or unknown ID), else a plain one naming the message. */
    private static RuntimeException refusal(RuntimeException e, String doing, String what) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = String.valueOf(t.getMessage());
            Matcher m = NOT_REGISTERED.matcher(msg);
            if (m.find()) {
                String cls = m.group(1);
                return new UnregisteredClassException(cls, "class " + cls + " is not registered with the semivim Kryo serializer (while "
                        + doing + " " + what + "); every class a message contains must be listed in " + MessageRegistry.class.getName(), e);
            }
            Matcher id = UNKNOWN_ID.matcher(msg);
            if (id.find()) {
                return new UnregisteredClassException("class id " + id.group(1), "unknown Kryo class id " + id.group(1) + " while " + doing + " "
                        + what + ": sender and receiver use different message registries", e);
            }
        }
        if (e instanceof IllegalArgumentException iae) return iae;
        if (String.valueOf(e.getMessage()).contains("Buffer underflow")) {
            return new IllegalArgumentException("Kryo failed " + doing + " " + what + ": it ends before its last field (truncated or corrupt): "
                    + e.getMessage(), e);
        }
        return new IllegalArgumentException("Kryo failed " + doing + " " + what + ": " + e.getMessage(), e);
    }
}
