package org.semivim.gpu;

import org.semivim.engine.tensor.Tensor;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the kernel sources on the CPU: {@code src/test/cuda-emu/harness.cpp} includes every
 * {@code src/main/cuda/*.cu} unchanged on top of {@code cuda_emu.h} and is built with g++ once per
 * test JVM (into target/cuda-emu). {@link Device} is a {@link KernelDevice} whose sessions write a
 * script of buffers and launches, run the harness on it when they close, and copy the results back,
 * so {@code CudaOps.create("emulated", new KernelEmulator.Device())} runs the real ops code (launch
 * geometry, argument order) on the real kernels.
 */
final class KernelEmulator {
    private KernelEmulator() {}

    private static Path harness;
    private static String unavailable;

    /** The built harness; skips the calling test when g++ is missing. */
    static synchronized Path harness() {
        if (harness == null && unavailable == null) build();
        assumeTrue(harness != null, "kernel emulation skipped: " + unavailable);
        return harness;
    }

    private static Optional<Path> gxx() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "g++");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static void build() {
        Optional<Path> gxx = gxx();
        if (gxx.isEmpty()) {
            unavailable = "g++ is not on the PATH";
            return;
        }
        try {
            Path src = Path.of("src/test/cuda-emu/harness.cpp").toAbsolutePath();
            Path out = Path.of("target/cuda-emu/harness").toAbsolutePath();
            Files.createDirectories(out.getParent());
            Process p = new ProcessBuilder(gxx.get().toString(), "-std=c++20", "-O1", "-pthread", "-ffp-contract=off",
                    "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("the kernel emulation harness does not compile:\n" + log);
            }
            harness = out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot build the kernel emulation harness: " + e, e);
        }
    }

    /** A {@link KernelDevice} on the emulation. */
    static final class Device implements KernelDevice {
        @Override
        public KernelSession open() {
            return new Session(harness());
        }
    }

    /** One op call: a script and its files in a temporary directory. */
    static final class Session implements KernelSession {
        private record FloatDump(String name, Tensor to) {}

        private record DoubleDump(String name, double[] to) {}

        private record IntDump(String name, int[] to) {}

        private final Path exe;
        private final Path dir;
        private final StringBuilder script = new StringBuilder();
        private final List<FloatDump> floatDumps = new ArrayList<>();
        private final List<DoubleDump> doubleDumps = new ArrayList<>();
        private final List<IntDump> intDumps = new ArrayList<>();
        private int next;

        Session(Path exe) {
            this.exe = exe;
            try {
                this.dir = Files.createTempDirectory("semivim-emu");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private String name() {
            return "b" + next++;
        }

        private String upload(Tensor t) {
            String n = name();
            Path f = dir.resolve(n + ".in");
            ByteBuffer bb = ByteBuffer.allocate(4 * t.size).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < t.size; i++) bb.putFloat(t.data[t.offset + i]);
            try {
                Files.write(f, bb.array());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            script.append("buf ").append(n).append(' ').append(t.size).append(' ').append(f).append('\n');
            return n;
        }

        @Override
        public Object in(Tensor t) {
            return "p:" + upload(t);
        }

        @Override
        public Object out(Tensor t) {
            String n = name();
            script.append("buf ").append(n).append(' ').append(t.size).append(" -\n");
            floatDumps.add(new FloatDump(n, t));
            return "p:" + n;
        }

        @Override
        public Object inOut(Tensor t) {
            String n = upload(t);
            floatDumps.add(new FloatDump(n, t));
            return "p:" + n;
        }

        @Override
        public Object scratch(long floats) {
            String n = name();
            script.append("buf ").append(n).append(' ').append(Math.max(1, floats)).append(" -\n");
            return "p:" + n;
        }

        /** A device byte buffer holding {@code bytes} (the optimizers' kind and trainable masks). */
        Object bytes(byte[] bytes) {
            String n = name();
            Path f = dir.resolve(n + ".in");
            try {
                Files.write(f, bytes);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            script.append("bufb ").append(n).append(' ').append(f).append('\n');
            return "p:" + n;
        }

        /** A device int buffer of zeros, whose values are copied into {@code to} on close. */
        Object intsAtClose(int[] to) {
            String n = name();
            script.append("bufi ").append(n).append(' ').append(to.length).append('\n');
            intDumps.add(new IntDump(n, to));
            return "p:" + n;
        }

        @Override
        public Object scratchDoubles(long count) {
            String n = name();
            script.append("bufd ").append(n).append(' ').append(Math.max(1, count)).append('\n');
            return "p:" + n;
        }

        @Override
        public double[] doublesAtClose(Object buffer, int count) {
            double[] out = new double[count];
            doubleDumps.add(new DoubleDump(((String) buffer).substring(2), out));
            return out;
        }

        @Override
        public Object offset(Object pointer, long floats) {
            String p = (String) pointer;
            int plus = p.indexOf('+');
            long base = plus < 0 ? 0 : Long.parseLong(p.substring(plus + 1));
            return (plus < 0 ? p : p.substring(0, plus)) + "+" + (base + floats);
        }

        @Override
        public void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
            script.append("launch ").append(kernel).append(' ').append(gridX).append(' ').append(gridY).append(' ').append(gridZ)
                    .append(' ').append(blockX).append(' ').append(blockY).append(' ').append(sharedBytes);
            for (Object a : args) {
                script.append(' ');
                if (a == null) script.append("null");
                else if (a instanceof String s) script.append(s);
                else if (a instanceof Integer i) script.append("i:").append(i);
                else if (a instanceof Long l) script.append("l:").append(l);
                else if (a instanceof Float f) script.append("f:").append(f);
                else if (a instanceof Boolean b) script.append("i:").append(b ? 1 : 0);
                else throw new IllegalArgumentException("kernel " + kernel + ": unsupported argument " + a);
            }
            script.append('\n');
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
                         Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch) {
            KernelSession.ownGemm(this, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        }

        @Override
        public void close() {
            try {
                for (FloatDump d : floatDumps) script.append("dump ").append(d.name).append(' ').append(dir.resolve(d.name + ".out")).append('\n');
                for (DoubleDump d : doubleDumps) script.append("dump ").append(d.name).append(' ').append(dir.resolve(d.name + ".out")).append('\n');
                for (IntDump d : intDumps) script.append("dump ").append(d.name).append(' ').append(dir.resolve(d.name + ".out")).append('\n');
                Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
                p.getOutputStream().write(script.toString().getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("emulated kernels failed: " + log + "\nscript:\n" + script);
                }
                for (FloatDump d : floatDumps) {
                    ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(d.name + ".out"))).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < d.to.size; i++) d.to.data[d.to.offset + i] = bb.getFloat(4 * i);
                }
                for (DoubleDump d : doubleDumps) {
                    ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(d.name + ".out"))).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < d.to.length; i++) d.to[i] = bb.getDouble(8 * i);
                }
                for (IntDump d : intDumps) {
                    ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(d.name + ".out"))).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < d.to.length; i++) d.to[i] = bb.getInt(4 * i);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("emulated kernels failed: " + e, e);
            } finally {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }
}
