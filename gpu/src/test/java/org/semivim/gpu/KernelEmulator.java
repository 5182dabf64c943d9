package org.semivim.gpu;


import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Builds the CPU emulation of the kernels: {@code src/test/cuda-emu/harness.cpp} includes every
 * {@code src/main/cuda/*.cu} unchanged on top of {@code cuda_emu.h}; it is compiled with g++ once
 * per test JVM (into target/cuda-emu) and driven by {@link EmulatedRuntime}.
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
}
