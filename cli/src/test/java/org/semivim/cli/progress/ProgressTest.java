package org.semivim.cli.progress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void lineShowsCountsRateEtaAndStatus() {
        // 20 of 100 steps done since step 10 (10 steps) in 5 s, 96 images a step: 192 img/s, 80 steps left at 2 steps/s = 40 s
        String line = ProgressText.line("train", 20, 10, 100, "steps", 96, 5 * SECOND, "loss 1.2345");
        assertEquals("train 20/100 steps (20%) 192.0 img/s ETA 40s | loss 1.2345", line);
        assertEquals("train 0/5 steps (0%) ? img/s ETA ? | x", ProgressText.line("train", 0, 0, 5, "steps", 1, 0, "x"));
        assertEquals("eval 5/5 img (100%) 2.5 img/s ETA 0s", ProgressText.line("eval", 5, 0, 5, "img", 1, 2 * SECOND, ""));
    }

    @Test
    void durations() {
        assertEquals("42s", ProgressText.duration(42.4));
        assertEquals("3m07s", ProgressText.duration(187));
        assertEquals("1h02m", ProgressText.duration(3725));
        assertEquals("?", ProgressText.duration(Double.NaN));
    }

    @Test
    void plainLinesAreThrottledAndTheLastStateIsPrintedOnClose() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong(0);
        try (Progress p = Progress.lines("train", 0, 10, "steps", 1, new PrintStream(bytes, true, StandardCharsets.UTF_8), clock::get, 10 * SECOND)) {
            for (int i = 1; i <= 10; i++) {
                clock.addAndGet(3 * SECOND);
                p.update(i, "step " + i);
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        // updates at 3, 6, …, 30 s: printed at 3 s (step 1), 15 s (step 5, the first ≥ 10 s later), 27 s (step 9), and step 10 on close
        assertEquals(4, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("train 1/10 steps"), lines[0]);
        assertTrue(lines[1].startsWith("train 5/10 steps"), lines[1]);
        assertTrue(lines[2].startsWith("train 9/10 steps"), lines[2]);
        assertTrue(lines[3].startsWith("train 10/10 steps (100%)") && lines[3].endsWith("| step 10"), lines[3]);
    }
}
