package org.semivim.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test helper: a {@link NodeMain} in a child JVM; its stdout lines are collected; {@link #kill} is SIGKILL. */
final class ChildNode implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();

    ChildNode(Path logFile, String... args) throws IOException {
        this(logFile, NodeMain.class, args);
    }

    /** A child running {@code main} (NodeMain, or a test main that wraps it) with {@code args}. */
    ChildNode(Path logFile, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xmx")) cmd.add(arg);
        }
        cmd.add("-Xmx384m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(logFile.toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        process = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            } catch (IOException e) {
                // the process is gone
            }
        }, "child-node-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for a line starting with {@code prefix}; returns it. */
    String await(String prefix, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (String l : lines) if (l.startsWith(prefix)) return l;
            if (!process.isAlive() && lines.stream().noneMatch(l -> l.startsWith(prefix))) {
                Thread.sleep(200);   // let the reader drain
                for (String l : lines) if (l.startsWith(prefix)) return l;
                throw new AssertionError("child exited (" + process.exitValue() + ") before printing '" + prefix + "'; stdout " + lines);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + prefix + "' from the child within " + timeout + "; stdout " + lines);
    }

    /** The highest step the child printed, or −1. */
    long lastStep() {
        long s = -1;
        for (String l : lines) if (l.startsWith("step ")) s = Math.max(s, Long.parseLong(l.substring(5).trim()));
        return s;
    }

    /** The steps the child printed ("step t" lines), in order. */
    List<Long> steps() {
        List<Long> s = new ArrayList<>();
        for (String l : lines) if (l.startsWith("step ")) s.add(Long.parseLong(l.substring(5).trim()));
        return s;
    }

    void kill() {
        process.destroyForcibly();   // SIGKILL: no shutdown hook, no leave
    }

    /** SIGTERM first (the node leaves and its embedded Aeron driver deletes its directory), SIGKILL after 15 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
