package org.semivim.gpu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link DeviceRuntime} whose device is the CPU emulation of the kernels: one persistent harness
 * process ({@link KernelEmulator#harness()}) holds the device buffers across op calls, so the CUDA
 * ops, {@link DeviceSession}, the buffer pool, the resident arrays and the device-resident
 * optimizers all run their real code on the real kernel sources. Pointers are (buffer, byte offset);
 * data travels through files in a temporary directory. Shared by the tests of a JVM.
 */
final class EmulatedRuntime extends DeviceRuntime<EmulatedRuntime.Ptr> {
    /** A device pointer: a harness buffer and a byte offset into it. */
    record Ptr(String buffer, long byteOffset) {
        String arg() {
            return "p:" + buffer + "+" + byteOffset;
        }
    }

    private static EmulatedRuntime shared;

    private final Connection conn;

    private EmulatedRuntime(Connection conn) {
        super(new Memory(conn));
        this.conn = conn;
    }

    /** The JVM's emulated device (the harness is built and started on first use; skips without g++). */
    static synchronized EmulatedRuntime shared() {
        if (shared == null) {
            Connection c = new Connection(KernelEmulator.harness());
            shared = new EmulatedRuntime(c);
            Runtime.getRuntime().addShutdownHook(new Thread(c::close));
        }
        return shared;
    }

    /** The harness process: one command per line, one "ok" per command. */
    private static final class Connection {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;
        private final Path dir;
        private long files;

        Connection(Path exe) {
            try {
                process = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
                out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                dir = Files.createTempDirectory("semivim-emu-device");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void call(String command) {
            try {
                in.write(command);
                in.write('\n');
                in.flush();
                String reply = out.readLine();
                if (!"ok".equals(reply)) throw new IllegalStateException("emulated device: " + reply + " for: " + command);
            } catch (IOException e) {
                throw new UncheckedIOException("emulated device died at: " + command, e);
            }
        }

        synchronized Path file() {
            return dir.resolve("f" + files++);
        }

        void close() {
            try {
                in.close();
                process.waitFor();
                try (var s = Files.list(dir)) {
                    for (Path f : s.toList()) Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            } catch (IOException | InterruptedException ignored) {
                // the JVM is exiting
            }
        }

        void upload(byte[] bytes, Ptr dst) {
            Path f = file();
            try {
                Files.write(f, bytes);
                call("upload " + dst.buffer + " " + dst.byteOffset + " " + f);
                Files.delete(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ByteBuffer download(Ptr src, long bytes) {
            Path f = file();
            try {
                call("download " + src.buffer + " " + src.byteOffset + " " + bytes + " " + f);
                ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
                Files.delete(f);
                return bb;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Device memory in the harness. */
    private static final class Memory implements DeviceMemory<Ptr> {
        private final Connection conn;
        private long buffers;

        Memory(Connection conn) {
            this.conn = conn;
        }

        @Override
        public Ptr allocate(long bytes) {
            String name = "m" + buffers++;
            conn.call("alloc " + name + " " + Math.max(4, bytes));
            return new Ptr(name, 0);
        }

        @Override
        public void free(Ptr buffer) {
            conn.call("free " + buffer.buffer);
        }

        @Override
        public void upload(float[] src, int srcOffset, Ptr buffer, long floatOffset, int count) {
            if (count == 0) return;
            ByteBuffer bb = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) bb.putFloat(src[srcOffset + i]);
            conn.upload(bb.array(), new Ptr(buffer.buffer, buffer.byteOffset + 4 * floatOffset));
        }

        @Override
        public void download(Ptr buffer, long floatOffset, float[] dst, int dstOffset, int count) {
            if (count == 0) return;
            ByteBuffer bb = conn.download(new Ptr(buffer.buffer, buffer.byteOffset + 4 * floatOffset), 4L * count);
            for (int i = 0; i < count; i++) dst[dstOffset + i] = bb.getFloat(4 * i);
        }
    }

    @Override
    void enter() {
        // nothing to make current: one emulated device
    }

    @Override
    void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
        StringBuilder line = new StringBuilder("launch ").append(kernel).append(' ').append(gridX).append(' ').append(gridY).append(' ')
                .append(gridZ).append(' ').append(blockX).append(' ').append(blockY).append(' ').append(sharedBytes);
        for (Object a : args) {
            line.append(' ');
            if (a == null) line.append("null");
            else if (a instanceof Ptr p) line.append(p.arg());
            else if (a instanceof Integer i) line.append("i:").append(i);
            else if (a instanceof Long l) line.append("l:").append(l);
            else if (a instanceof Float f) line.append("f:").append(f);
            else if (a instanceof Boolean b) line.append("i:").append(b ? 1 : 0);
            else throw new IllegalArgumentException("kernel " + kernel + ": unsupported argument " + a.getClass());
        }
        conn.call(line.toString());
    }

    @Override
    Ptr offset(Ptr pointer, long floats) {
        return new Ptr(pointer.buffer, pointer.byteOffset + 4 * floats);
    }

    @Override
    void gemm(KernelSession session, boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
              Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch) {
        KernelSession.ownGemm(session, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    @Override
    void uploadBytes(byte[] src, Ptr dst) {
        if (src.length > 0) conn.upload(src, dst);
    }

    @Override
    void downloadDoubles(Ptr src, double[] dst) {
        if (dst.length == 0) return;
        ByteBuffer bb = conn.download(src, 8L * dst.length);
        for (int i = 0; i < dst.length; i++) dst[i] = bb.getDouble(8 * i);
    }

    @Override
    void downloadInts(Ptr src, int[] dst) {
        if (dst.length == 0) return;
        ByteBuffer bb = conn.download(src, 4L * dst.length);
        for (int i = 0; i < dst.length; i++) dst[i] = bb.getInt(4 * i);
    }

    @Override
    void zero(Ptr buffer, long words) {
        if (words > 0) conn.upload(new byte[(int) (4 * words)], buffer);
    }
}
