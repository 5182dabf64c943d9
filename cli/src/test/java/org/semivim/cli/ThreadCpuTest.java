package org.semivim.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step-time bench's CPU accounting: threads grouped by what they are; a busy thread's time shows up under its group. */
class ThreadCpuTest {

    @Test
    void threadsAreGroupedByWhatTheyAre() {
        assertEquals("engine pool", ThreadCpu.group("semivim-compute-1"));
        assertTrue(ThreadCpu.group("semivim-semivim.compute-dispatcher-12").startsWith("pinned actors"));
        assertTrue(ThreadCpu.group("semivim-pekko.actor.default-dispatcher-7").startsWith("pekko default dispatcher"));
        assertTrue(ThreadCpu.group("semivim-pekko.remote.default-remote-dispatcher-8").startsWith("artery streams"));
        assertTrue(ThreadCpu.group("semivim-semivim.cluster.transfer-dispatcher-5").startsWith("transfer thread"));
        assertTrue(ThreadCpu.group("semivim-pekko.actor.internal-dispatcher-3").startsWith("pekko internal dispatcher"));
        assertEquals("aeron driver and client", ThreadCpu.group("aeron-client-conductor"));
        assertEquals("semivim-taskrunner", ThreadCpu.group("semivim-taskrunner-0"), "other names lose their pool number only");
    }

    @Test
    void aBusyThreadsCpuTimeIsCountedUnderItsGroup() throws Exception {
        ThreadCpu before = ThreadCpu.now(null);
        Thread busy = new Thread(() -> {
            long end = System.nanoTime() + 200_000_000L, x = 0;
            while (System.nanoTime() < end) x += System.nanoTime() & 1;
            if (x == 42) System.out.print("");
        }, "semivim-compute-99");
        busy.start();
        Thread.sleep(100);
        ThreadCpu during = ThreadCpu.now(null);   // while it runs: a thread must be alive to be counted
        busy.join();
        Map<String, Long> by = during.since(before);
        assertTrue(by.getOrDefault("engine pool", 0L) > 1_000_000L, "a spinning thread's CPU time shows up: " + by);
        assertTrue(during.process > before.process, "the process CPU time grows");
    }
}
