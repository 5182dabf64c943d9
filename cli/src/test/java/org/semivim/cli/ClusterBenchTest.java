package org.semivim.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench cluster} on the tiny run: the step-time part over aeron-udp with one shared media driver (the
 * 2-node runs bit-identical, the pairs and their medians printed, the driver's directory gone afterwards), and
 * the one-message-at-a-time latencies of the chunked links.
 */
class ClusterBenchTest {

    private static String bench(String... args) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            String[] all = Stream.concat(Stream.of("bench", "cluster"), Stream.of(args)).toArray(String[]::new);
            assertEquals(0, Main.commandLine().execute(all), out.toString());
        } finally {
            System.setOut(before);
        }
        return out.toString();
    }

    private static Set<String> benchDriverDirs() throws Exception {
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> s = Files.list(parent)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("semivim-bench-driver")).collect(Collectors.toSet());
        }
    }

    @Test
    void stepTimesOverOneSharedMediaDriverAreBitIdenticalAndLeaveNoDriverFiles(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tiny.json");
        Files.writeString(json, ConfigFactory.parseFile(TinyRun.config(dir).toFile()).root().render(ConfigRenderOptions.concise()));
        Set<String> before = benchDriverDirs();
        String out = bench("--skip-transfers", "--transports", "aeron-udp", "--media-driver", "shared", "--config", json.toString(),
                "--steps", "4", "--warm-steps", "1", "--repeats", "2");
        assertTrue(out.contains("aeron-udp nodes share one media driver in "), out);
        Matcher m = Pattern.compile("2 nodes \\(aeron-udp, one shared media driver, trainer node in this JVM\\).*bit_identical=true").matcher(out);
        int pairs = 0;
        while (m.find()) pairs++;
        assertEquals(2, pairs, out);
        assertTrue(out.contains("medians of 2 pairs (aeron-udp, one shared media driver)"), out);
        assertTrue(out.contains("transfer CPU (this JVM's threads except the engine pool"), out);
        assertEquals(before, benchDriverDirs(), "the bench's media driver directory is deleted");
        assertEquals(2, criticalPathsAddingUp(out, "aeron-udp"), out);
        assertTrue(out.contains("critical path medians of 2 pairs (aeron-udp, one shared media driver): 2-node step "), out);
    }

    @Test
    void theCriticalPathMergesTheTrainerJvmsStamps(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tiny.json");
        Files.writeString(json, ConfigFactory.parseFile(TinyRun.config(dir).toFile()).root().render(ConfigRenderOptions.concise()));
        String out = bench("--skip-transfers", "--transports", "tcp", "--trainer-jvm", "--config", json.toString(),
                "--steps", "5", "--warm-steps", "1", "--repeats", "1");
        assertTrue(out.contains("bit_identical=true"), out);
        assertEquals(1, criticalPathsAddingUp(out, "tcp"), out);
        // the trainer's side came from the child's file: its compute and the gradient's flight are on the path
        assertTrue(Pattern.compile("trainer after the labels [0-9.]+ \\+ ").matcher(out).find(), out);
        assertTrue(out.contains("gradient -> supervisor"), out);
        assertTrue(!out.contains("unattributed"), out);
    }

    /** The critical-path lines of {@code transport}: each one's parts add up to its step within the rounding; how many. */
    private static int criticalPathsAddingUp(String out, String transport) {
        Matcher line = Pattern.compile("critical path, 2 nodes \\(" + transport + "\\), pair \\d+, means of \\d+ timed steps \\(the parts add up to the step\\): "
                + "step ([0-9.]+) ms = ([^;]+); communication on the critical path ([0-9.]+) ms = ([0-9.]+)% of a step").matcher(out);
        int n = 0;
        while (line.find()) {
            double step = Double.parseDouble(line.group(1)), sum = 0, messages = 0;
            String[] parts = line.group(2).split(" \\+ ");
            Matcher number = Pattern.compile("^(.*) ([0-9.]+)( \\[msg\\])?$").matcher("");
            for (String part : parts) {
                assertTrue(number.reset(part).matches(), part);
                double ms = Double.parseDouble(number.group(2));
                sum += ms;
                if (number.group(3) != null) messages += ms;
            }
            assertEquals(step, sum, 0.05 * (parts.length + 1), line.group());
            assertEquals(Double.parseDouble(line.group(3)), messages, 0.05 * (parts.length + 1), line.group());
            double comm = Double.parseDouble(line.group(3));
            // ms are printed to 0.05, the share to 0.05 points: the share recomputed from the printed ms may be off by that much
            double shareRounding = 100 * (0.05 / step + comm * 0.05 / (step * (step - 0.05))) + 0.05;
            assertEquals(100 * comm / step, Double.parseDouble(line.group(4)), shareRounding + 1e-9, line.group());
            n++;
        }
        return n;
    }

    @Test
    void theLinksLatencyOneMessageAtATimeIsPrinted() {
        String out = bench("--skip-steps", "--transports", "tcp", "--paths", "chunked,latency", "--floats", "1000", "--messages", "4");
        assertTrue(Pattern.compile("tcp +chunked 1024 KiB x8 +broadcast +1000 .*one at a time: median [0-9.]+ ms").matcher(out).find(), out);
        assertTrue(Pattern.compile("tcp +chunked 1024 KiB x8 +gather +1000 .*one at a time: median [0-9.]+ ms").matcher(out).find(), out);
    }
}
