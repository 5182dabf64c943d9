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

    /**
     * The largest block each kernel is launched with (scan_fwd: its launch bound, 512 threads, above the
     * 32 channels × 8 chunks it is launched with; scan_bwd: up to {@value ScanPlan#BACKWARD_MAX_WARPS} warps;
     * every other launch: 256).
     */
    static int maxThreads(String kernel) {
        if (kernel.equals("scan_bwd")) return ScanPlan.TILE * ScanPlan.BACKWARD_MAX_WARPS;
        return kernel.startsWith("scan_") ? ScanPlan.MAX_THREADS : 256;
    }

    /**
     * Compiles every kernel for sm_80 and sm_90 and reads ptxas's resource usage: no register spills,
     * and registers × the kernel's largest block fit the 64 K registers of a multiprocessor, so no
     * launch fails with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES.
     */
    @Test
    void everyKernelFitsItsLargestLaunch(@TempDir Path out) throws IOException, InterruptedException {
        Optional<Path> nvcc = findNvcc();
        assumeTrue(nvcc.isPresent(), "nvcc is not installed: resource usage not checked");
        java.util.regex.Pattern entry = java.util.regex.Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+)'");
        java.util.regex.Pattern regs = java.util.regex.Pattern.compile("Used (\\d+) registers");
        java.util.regex.Pattern spill = java.util.regex.Pattern.compile("(\\d+) bytes spill stores");
        int checked = 0;
        for (String arch : List.of("sm_80", "sm_90")) {
            for (String module : KernelModules.KERNELS.keySet()) {
                Process p = new ProcessBuilder(nvcc.get().toString(), "-cubin", "-arch=" + arch, "--resource-usage",
                        "-o", out.resolve(module + ".cubin").toString(), "src/main/cuda/" + module + ".cu").redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + module);
                assertEquals(0, p.exitValue(), "nvcc -cubin failed on " + module + ":\n" + log);
                String kernel = null;
                for (String line : log.split("\n")) {
                    java.util.regex.Matcher m = entry.matcher(line);
                    if (m.find()) kernel = m.group(1);
                    java.util.regex.Matcher s = spill.matcher(line);
                    if (kernel != null && s.find()) assertEquals("0", s.group(1), kernel + " spills registers on " + arch + ": " + line);
                    java.util.regex.Matcher r = regs.matcher(line);
                    if (kernel != null && r.find()) {
                        int used = Integer.parseInt(r.group(1));
                        assertTrue(used * maxThreads(kernel) <= 65536, kernel + " uses " + used + " registers: a block of "
                                + maxThreads(kernel) + " threads does not fit on " + arch);
                        checked++;
                        kernel = null;
                    }
                }
            }
        }
        int kernels = KernelModules.KERNELS.values().stream().mapToInt(List::size).sum();
        assertEquals(2 * kernels, checked, "resource usage read for every kernel on both architectures");
    }
}
