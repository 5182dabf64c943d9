package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.StudentTrainer;
import org.semivim.actors.TestPekko;
import org.semivim.engine.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bulk float[] (and tensor) encoding of the Kryo serializer: exact bits for every float, Kryo's own
 * bytes, block boundaries, both of the serializer's paths (byte[] and Artery's ByteBuffer), and truncated
 * or corrupt payloads refused with a message that says so.
 */
class FloatArraySerializerTest {
    private static final int BLOCK = 8192;
    private static ActorTestKit kit;
    private static KryoSerializer serializer;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("float-array-test", TestPekko.config());
        serializer = new KryoSerializer(ActorRefResolver.get(kit.system()));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /** Random raw bits (NaN payloads, infinities, subnormals, -0 included) plus the special values at the start. */
    private static float[] randomBits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        float[] special = {-0f, 0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffa00000), Float.NaN};
        for (int i = 0; i < n; i++) v[i] = i < special.length ? special[i] : Float.intBitsToFloat(r.nextInt());
        return v;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    @Test
    void everyBitComesBackAcrossBlockBoundariesOnBothPaths() {
        for (int n : new int[]{0, 1, 9, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, 168_138}) {
            float[] p = randomBits(n, n);
            var message = new StudentTrainer.StudentParams(7, p);
            byte[] bytes = serializer.toBinary(message);
            var back = (StudentTrainer.StudentParams) serializer.fromBinary(bytes, "");
            assertArrayEquals(bits(p), bits(back.parameters()), "byte[] path, " + n + " floats");

            ByteBuffer buf = ByteBuffer.allocate(bytes.length + 64).order(ByteOrder.LITTLE_ENDIAN);   // Artery's envelope order
            serializer.toBinary(message, buf);
            buf.flip();
            assertEquals(bytes.length, buf.remaining(), "ByteBuffer path writes the same number of bytes, " + n + " floats");
            byte[] viaBuffer = new byte[buf.remaining()];
            buf.duplicate().get(viaBuffer);
            assertArrayEquals(bytes, viaBuffer, "ByteBuffer path writes the same bytes, " + n + " floats");
            var back2 = (StudentTrainer.StudentParams) serializer.fromBinary(buf, "");
            assertArrayEquals(bits(p), bits(back2.parameters()), "ByteBuffer path, " + n + " floats");
        }
    }

    @Test
    void theBytesAreKryosOwnForOrdinaryValues() {
        float[] p = new float[2 * BLOCK + 3];
        for (int i = 0; i < p.length; i++) p[i] = (i - 9000) * 1.5e-3f;
        Kryo plain = new Kryo();   // Kryo's default float[] serializer (value by value)
        plain.setRegistrationRequired(false);
        Output expected = new Output(1024, -1);
        plain.writeObject(expected, p);
        Kryo bulk = new Kryo();
        bulk.register(float[].class, new FloatArraySerializer());
        Output actual = new Output(1024, -1);
        bulk.writeObject(actual, p);
        assertArrayEquals(expected.toBytes(), actual.toBytes());
        assertArrayEquals(p, plain.readObject(new com.esotericsoftware.kryo.io.Input(actual.toBytes()), float[].class), "Kryo's reader reads ours");
    }

    @Test
    void tensorsAndGradientsKeepTheirBits() {
        float[] g = randomBits(BLOCK + 17, 3);
        var done = (LyapunovSupervisor.ShardDone) serializer.fromBinary(serializer.toBinary(new LyapunovSupervisor.ShardDone(4, 2, g, new double[]{0.5})), "");
        assertArrayEquals(bits(g), bits(done.gradient()));
        float[] storage = randomBits(3 * BLOCK, 5);
        Tensor view = Tensor.view(storage, 11, BLOCK + 2, 2);   // a view with an offset, across a block boundary
        var msg = new StudentTrainer.StudentParams(1, null);   // a null float[] inside a message
        assertNull(((StudentTrainer.StudentParams) serializer.fromBinary(serializer.toBinary(msg), "")).parameters());
        Kryo kryo = new Kryo();
        kryo.register(Tensor.class, new TensorSerializer());
        Output out = new Output(1024, -1);
        kryo.writeObject(out, view);
        Tensor back = kryo.readObject(new com.esotericsoftware.kryo.io.Input(out.toBytes()), Tensor.class);
        assertArrayEquals(new int[]{BLOCK + 2, 2}, back.shape());
        assertArrayEquals(bits(Arrays.copyOfRange(storage, 11, 11 + 2 * (BLOCK + 2))), bits(back.data));
    }

    @Test
    void aTruncatedPayloadIsRefusedSayingSo() {
        float[] p = randomBits(BLOCK + 100, 9);
        byte[] bytes = serializer.toBinary(new StudentTrainer.StudentParams(2, p));
        for (int cut : new int[]{1, 4, 4 * 100, bytes.length / 2}) {
            byte[] truncated = Arrays.copyOf(bytes, bytes.length - cut);
            var e = assertThrows(IllegalArgumentException.class, () -> serializer.fromBinary(truncated, ""), "cut " + cut);
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
            // the record's components go in name order: parameters, then version (a byte or two); a longer cut ends in the floats
            if (cut > 8) assertTrue(e.getMessage().contains((BLOCK + 100) + " values"), e.getMessage());
            ByteBuffer buf = ByteBuffer.wrap(truncated).order(ByteOrder.LITTLE_ENDIAN);
            var e2 = assertThrows(IllegalArgumentException.class, () -> serializer.fromBinary(buf, ""), "ByteBuffer, cut " + cut);
            assertTrue(e2.getMessage().contains("truncated or corrupt"), e2.getMessage());
        }
    }

    @Test
    void aCorruptLengthIsRefusedBeforeAnythingIsAllocated() {
        Kryo kryo = new Kryo();
        kryo.register(float[].class, new FloatArraySerializer());
        Output out = new Output(64, -1);
        out.writeVarInt(Integer.MAX_VALUE, true);   // claims 2^31 - 2 floats (8 GiB) in a message of a few bytes
        out.writeInt(0);
        var e = assertThrows(IllegalArgumentException.class,
                () -> kryo.readObject(new com.esotericsoftware.kryo.io.Input(out.toBytes()), float[].class));
        assertTrue(e.getMessage().contains("claims 2147483646 values") && e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }
}
