package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cluster.ExternalMediaDriver;
import org.semivim.cluster.MediaDriverSettings;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code semivim media-driver} and {@code semivim node --aeron-dir}: what they refuse, in one line, exit 2. */
class MediaDriverCommandTest {

    private static String run(int expectedCode, String... args) {
        var cl = Main.commandLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(expectedCode, cl.execute(args), err.toString());
        return err.toString().strip();
    }

    @Test
    void anUnknownIdleStrategyIsRefused(@TempDir Path tmp) {
        String line = run(2, "media-driver", "--aeron-dir", tmp.resolve("aeron").toString(), "--idle", "nap:1ms");
        assertTrue(line.contains("unknown idle strategy 'nap:1ms'"), line);
    }

    @Test
    void aSecondDriverInALiveDirectoryIsRefused(@TempDir Path tmp) {
        Path dir = tmp.resolve("aeron");
        try (ExternalMediaDriver driver = ExternalMediaDriver.launch(dir, MediaDriverSettings.DEFAULT)) {
            String line = run(2, "media-driver", "--aeron-dir", dir.toString());
            assertTrue(line.contains("a media driver is already running in " + driver.directory()), line);
        }
    }

    @Test
    void aNodeWhoseDriverIsNotRunningExitsTwoNamingIt(@TempDir Path tmp) {
        Path dir = tmp.resolve("none");
        String line = run(2, "node", "--role", "trainer", "--port", "0", "--transport", "aeron-udp", "--aeron-dir", dir.toString());
        assertTrue(line.contains("no media driver runs in " + dir), line);
        line = run(2, "node", "--role", "trainer", "--port", "0", "--aeron-dir", dir.toString());
        assertTrue(line.contains("is for transport aeron-udp, not tcp"), line);
    }
}
