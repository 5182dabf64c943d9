package org.semivim.data.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second JVM (same classpath, the Chronicle flags of this JVM) reads the pseudo-label store
 * while this JVM writes it, and sees every record intact.
 */
class TwoProcessStoreTest {
    private static final int TOTAL = 20_000;
    @TempDir Path dir;

    /** The record written for sample i. */
    static PseudoLabelStore.PseudoLabel recordOf(int i) {
        return new PseudoLabelStore.PseudoLabel(i % 10, (i % 100) / 100f, 1 + i % 3);
    }

    private static void write(PseudoLabelStore store, int from, int to) {
        for (int i = from; i < to; i++) {
            PseudoLabelStore.PseudoLabel r = recordOf(i);
            store.put(i, r.label(), r.confidence(), r.teacherVersion());
        }
    }

    /** The JVM options the child needs: module opens/exports and Chronicle's properties, as given to this JVM. */
    private static List<String> chronicleFlags() {
        List<String> flags = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("--add-modules")
                    || arg.startsWith("-Dchronicle.")) {
                flags.add(arg);
            }
        }
        return flags;
    }

    @Test
    void aSecondJvmReadsWhileThisOneWrites() throws Exception {
        Path file = dir.resolve("pseudo-labels.cm");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(chronicleFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StoreReaderProcess.class.getName(),
                file.toString(), Integer.toString(TOTAL), "90000"));
        try (PseudoLabelStore store = PseudoLabelStore.open(file, TOTAL, 10)) {
            write(store, 0, TOTAL / 2);
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                List<String> lines = new ArrayList<>();
                String line;
                while ((line = out.readLine()) != null && !line.equals("OPENED")) lines.add(line);
                assertEquals("OPENED", line, "child did not open the store; its output:\n" + String.join("\n", lines));
                // The child's first pass reads the half written so far; only then is the rest written, in
                // chunks, while the child keeps reading (a handshake, not a sleep, so load cannot change it).
                while ((line = out.readLine()) != null && !line.startsWith("FIRST ")) lines.add(line);
                assertTrue(line != null, "child ended before its first pass; its output:\n" + String.join("\n", lines));
                for (int chunk = 0; chunk < 10; chunk++) {
                    int from = TOTAL / 2 + chunk * TOTAL / 20;
                    write(store, from, from + TOTAL / 20);
                }
                while ((line = out.readLine()) != null) lines.add(line);
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not finish");
                String output = String.join("\n", lines);
                assertEquals(0, child.exitValue(), "child failed:\n" + output);
                String seen = lines.stream().filter(l -> l.startsWith("SEEN")).findFirst().orElseThrow(() -> new AssertionError(output));
                int first = Integer.parseInt(seen.replaceAll(".*first=(\\d+).*", "$1"));
                assertEquals(TOTAL / 2, first, "the child's first pass should see exactly the first half: " + seen);
            } finally {
                if (child.isAlive()) child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertEquals(TOTAL, store.size());
        }
    }
}
