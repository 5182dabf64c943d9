package org.semivim.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads at one moment (ThreadMXBean), and of a child process, so a benchmark
 * can say where the CPU time between two moments went, grouped by what the threads are
 * ({@link #group}). Threads that ended in between are missing from both sides (their time is in
 * {@link #process} only).
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> nanos = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    final long process;     // this JVM's CPU time, ns
    final long child;       // the child process's CPU time, ns (0 without one)
    final long gcMillis = gcMillis();   // collection time of every collector (its threads are not Java threads)
    final long jitMillis = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();

    private static long gcMillis() {
        long ms = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) ms += Math.max(0, gc.getCollectionTime());
        return ms;
    }

    private ThreadCpu(ProcessHandle childProcess) {
        for (long id : THREADS.getAllThreadIds()) {
            long t = THREADS.getThreadCpuTime(id);
            var info = THREADS.getThreadInfo(id);
            if (t >= 0 && info != null) {
                nanos.put(id, t);
                names.put(id, info.getThreadName());
            }
        }
        process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        child = childProcess == null ? 0 : childProcess.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    static ThreadCpu now(ProcessHandle child) {
        return new ThreadCpu(child);
    }

    /** CPU ns since {@code before} by {@link #group}, largest first (threads started since count from 0). */
    Map<String, Long> since(ThreadCpu before) {
        Map<String, Long> by = new TreeMap<>();
        for (var e : nanos.entrySet()) {
            long d = e.getValue() - before.nanos.getOrDefault(e.getKey(), 0L);
            if (d > 0) by.merge(group(names.get(e.getKey())), d, Long::sum);
        }
        Map<String, Long> sorted = new LinkedHashMap<>();
        by.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static final String ENGINE_POOL = "engine pool";
    static final String PINNED_ACTORS = "pinned actors (trainer, teacher, augmenters, supervisor)";

    /** What a thread is, from its name (digits dropped, so a pool's threads add up). */
    static String group(String name) {
        if (name.startsWith("semivim-compute-")) return ENGINE_POOL;
        if (name.contains("compute-dispatcher")) return PINNED_ACTORS;
        if (name.contains("transfer-dispatcher")) return "transfer thread (links, artery streams, tcp connections)";
        if (name.contains("default-dispatcher")) return "pekko default dispatcher (links: Kryo, chunks, reassembly; small actors)";
        if (name.contains("remote") || name.contains("artery")) return "artery streams (framing, tcp, compression)";
        if (name.contains("internal-dispatcher")) return "pekko internal dispatcher (cluster, streams)";
        if (name.startsWith("aeron") || name.contains("driver") || name.equals("sender") || name.equals("receiver")
                || name.contains("conductor") || name.contains("shared-network")) return "aeron driver and client";
        if (name.contains("scheduler")) return "pekko scheduler";
        return name.replaceAll("[-_#]?\\d+$", "");
    }
}
