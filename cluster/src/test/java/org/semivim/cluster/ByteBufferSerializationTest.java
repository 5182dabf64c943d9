package org.semivim.cluster;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.actors.DataLoader;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.RunGuardian;
import org.semivim.actors.StudentTrainer;
import org.semivim.actors.serialization.KryoSerializer;
import org.semivim.actors.serialization.UnregisteredClassException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The serializer's ByteBuffer path (what Artery uses across nodes): same bytes as toBinary, exact values, clear refusals. */
class ByteBufferSerializationTest {
    private static ActorTestKit kit;
    private static KryoSerializer serializer;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
        serializer = new KryoSerializer(ActorRefResolver.get(kit.system()));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void bufferPathWritesTheSameBytesAndReadsBackExactly() {
        float[] p = {1.5f, -0f, Float.NaN, Float.MIN_VALUE, 3e38f};
        List<Object> messages = List.of(new DataLoader.Committed(7), new StudentTrainer.StudentParams(3, p),
                new LyapunovSupervisor.ShardDone(3, 1, p, new double[]{0.25, Double.NaN}), new RunGuardian.RunFailed("x"));
        for (Object m : messages) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.position(17);   // Artery writes the payload after its header
            serializer.toBinary(m, buf);
            assertEquals(ByteOrder.LITTLE_ENDIAN, buf.order(), "the buffer's byte order is restored");
            byte[] viaBuffer = new byte[buf.position() - 17];
            buf.flip().position(17);
            buf.duplicate().get(viaBuffer);
            assertArrayEquals(serializer.toBinary(m), viaBuffer, m.getClass().getName());
            Object back = serializer.fromBinary(buf, "");
            assertEquals(ByteOrder.LITTLE_ENDIAN, buf.order());
            if (m instanceof StudentTrainer.StudentParams sp) {
                float[] q = ((StudentTrainer.StudentParams) back).parameters();
                for (int i = 0; i < p.length; i++) assertEquals(Float.floatToRawIntBits(sp.parameters()[i]), Float.floatToRawIntBits(q[i]));
            } else if (!(m instanceof LyapunovSupervisor.ShardDone)) {
                assertEquals(m, back);
            } else {
                assertTrue(Arrays.equals(p, ((LyapunovSupervisor.ShardDone) back).gradient()));
            }
        }
    }

    @Test
    void aMessageLargerThanTheBufferFailsInsteadOfGrowingIntoAnotherBuffer() {
        ByteBuffer small = ByteBuffer.allocateDirect(1024);
        assertThrows(RuntimeException.class, () -> serializer.toBinary(new StudentTrainer.StudentParams(1, new float[1024]), small));
    }

    @Test
    void unknownClassIdsAreRefusedOnTheBufferPathToo() {
        ByteBuffer buf = ByteBuffer.wrap(new byte[]{(byte) 0xA2, 0x1F, 0, 0});   // varint class id far past the registry
        UnregisteredClassException e = assertThrows(UnregisteredClassException.class, () -> serializer.fromBinary(buf, ""));
        assertTrue(e.getMessage().contains("unknown Kryo class id"), e.getMessage());
    }
}
