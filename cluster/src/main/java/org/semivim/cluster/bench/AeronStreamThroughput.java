package org.semivim.cluster.bench;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The comparison for the chunked links (issue 6): tensors as raw bytes over a dedicated Aeron stream
 * between two embedded media drivers (two "nodes") on loopback UDP, no Pekko, no Kryo. The sender turns
 * each float[] into bytes and offers them in messages of the publication's largest length (Aeron
 * fragments them by MTU and applies its own flow control: the receiver window); the receiver
 * reassembles ({@link FragmentAssembler}) and copies the bytes back into a float[] per tensor. The
 * media drivers use the JVM's Aeron system properties (socket buffers, MTU, receiver window) as the
 * cluster does, one shared driver thread each with a back-off idle strategy (2 cores).
 */
public final class AeronStreamThroughput implements AutoCloseable {
    private static final int STREAM_ID = 7101;

    private final Path dirA, dirB;
    private final MediaDriver driverA, driverB;
    private final Aeron clientA, clientB;

    public AeronStreamThroughput() throws Exception {
        dirA = Files.createTempDirectory("semivim-aeron-bench-a");
        dirB = Files.createTempDirectory("semivim-aeron-bench-b");
        driverA = MediaDriver.launchEmbedded(context(dirA));
        driverB = MediaDriver.launchEmbedded(context(dirB));
        clientA = Aeron.connect(new Aeron.Context().aeronDirectoryName(driverA.aeronDirectoryName()));
        clientB = Aeron.connect(new Aeron.Context().aeronDirectoryName(driverB.aeronDirectoryName()));
    }

    private static MediaDriver.Context context(Path dir) {
        return new MediaDriver.Context().aeronDirectoryName(dir.resolve("aeron").toString()).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(new BackoffIdleStrategy(100, 10, 1_000, 1_000_000));
    }

    /**
     * Sends {@code warm + messages} tensors of {@code floats} from node A to node B on a fresh stream
     * at {@code port}; returns the seconds for the last {@code messages}, measured until the receiver
     * has every byte of them.
     */
    public double secondsFor(int floats, int warm, int messages, int port) throws InterruptedException {
        String channel = "aeron:udp?endpoint=127.0.0.1:" + port;
        try (Subscription sub = clientB.addSubscription(channel, STREAM_ID); Publication pub = clientA.addPublication(channel, STREAM_ID)) {
            long tensorBytes = 4L * floats;
            int total = warm + messages;
            AtomicLong received = new AtomicLong();
            float[] into = new float[floats];
            long[] cursor = {0};   // bytes of the tensor in progress
            FragmentAssembler handler = new FragmentAssembler((buffer, offset, length, header) -> {
                for (int i = 0; i + 4 <= length; i += 4) into[(int) ((cursor[0] + i) / 4)] = buffer.getFloat(offset + i, ByteOrder.LITTLE_ENDIAN);
                cursor[0] = (cursor[0] + length) % tensorBytes;
                received.addAndGet(length);
            });
            Thread receiver = new Thread(() -> {
                BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
                while (received.get() < total * tensorBytes && !Thread.currentThread().isInterrupted()) idle.idle(sub.poll(handler, 64));
            }, "aeron-bench-receiver");
            receiver.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!pub.isConnected()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the Aeron publication did not connect within 60 s");
                Thread.sleep(1);
            }
            float[] tensor = new float[floats];
            for (int i = 0; i < floats; i++) tensor[i] = i * 1e-3f;
            int maxMessage = pub.maxMessageLength() & ~3;
            ByteBuffer bytes = ByteBuffer.allocateDirect(maxMessage).order(ByteOrder.LITTLE_ENDIAN);
            UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            long t0 = 0;
            for (int m = 0; m < total; m++) {
                if (m == warm) {
                    while (received.get() < warm * tensorBytes) Thread.onSpinWait();
                    t0 = System.nanoTime();
                }
                for (int from = 0; from < floats; from += maxMessage / 4) {
                    int n = Math.min(maxMessage / 4, floats - from);
                    bytes.clear();
                    bytes.asFloatBuffer().put(tensor, from, n);
                    while (true) {
                        long r = pub.offer(buffer, 0, 4 * n);
                        if (r > 0) break;
                        if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) throw new IllegalStateException("publication " + r);
                        if (System.nanoTime() > deadline + 120_000_000_000L) throw new IllegalStateException("back-pressured for minutes");
                        Thread.yield();
                    }
                }
            }
            receiver.join(180_000);
            long t1 = System.nanoTime();
            if (receiver.isAlive()) {
                receiver.interrupt();
                throw new IllegalStateException("the receiver got " + received.get() + " of " + total * tensorBytes + " bytes");
            }
            if (Float.floatToRawIntBits(into[floats - 1]) != Float.floatToRawIntBits(tensor[floats - 1])) {
                throw new IllegalStateException("the last tensor arrived different");
            }
            return (t1 - t0) / 1e9;
        }
    }

    @Override
    public void close() throws Exception {
        clientA.close();
        clientB.close();
        driverA.close();
        driverB.close();
        for (Path d : new Path[]{dirA, dirB}) {
            try (Stream<Path> s = Files.walk(d)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
