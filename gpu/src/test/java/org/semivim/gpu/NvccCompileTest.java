package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles every {@code src/main/cuda/*.cu} with nvcc to PTX for the portable virtual architecture,
 * with all warnings as errors; skipped (with the reason) where nvcc is not installed.
 */
class NvccCompileTest {

    static Optional<Path> findNvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        for (String p : List.of("/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc")) {
            if (Files.isExecutable(Path.of(p))) return Optional.of(Path.of(p));
        }
        return Optional.empty();
    }

    @Test
    void everyKernelSourceCompilesWithNvcc(@TempDir Path out) throws IOException, InterruptedException {
        Optional<Path> nvcc = findNvcc();
        assumeTrue(nvcc.isPresent(), "nvcc is not installed (not on PATH, not in /usr/local/cuda/bin): kernel compilation not checked");
        Path src = Path.of("src/main/cuda");
        List<Path> sources;
        try (Stream<Path> s = Files.list(src)) {
            sources = s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        assertEquals(KernelModules.KERNELS.size(), sources.size(), "one .cu per kernel module: " + sources);
        for (Path cu : sources) {
            Path ptx = out.resolve(cu.getFileName().toString().replace(".cu", ".ptx"));
            Process p = new ProcessBuilder(nvcc.get().toString(), "-ptx", "-arch=compute_80", "-Werror=all-warnings",
                    "-o", ptx.toString(), cu.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + cu);
            assertEquals(0, p.exitValue(), "nvcc failed on " + cu + ":\n" + log);
            String text = Files.readString(ptx);
            for (String kernel : KernelModules.KERNELS.get(cu.getFileName().toString().replace(".cu", ""))) {
                assertTrue(text.contains(".entry " + kernel + "("), cu + " has no entry " + kernel);
            }
            assertFalse(text.isBlank());
        }
    }
}
