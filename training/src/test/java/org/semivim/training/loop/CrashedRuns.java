package org.semivim.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.semivim.training.config.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Run directories killed in the middle and resumed, for the tests that compare them with uninterrupted ones. */
final class CrashedRuns {
    private CrashedRuns() {}

    /** Thrown by a progress listener to stop a run in the middle, like a killed process. */
    private static final class Crash extends RuntimeException {}

    /** Runs c in dir until step index {@code step} ran and was evaluated, then stops it like a kill; the run is not finished. */
    static void crashAfterStep(Path dir, TrainConfig c, TrainingData data, TrainingRun.Options options, long step) {
        assertThrows(Crash.class, () -> TrainingRun.run(dir, c, data, options, r -> {
            if (r.step() == step) throw new Crash();
        }));
        assertFalse(TrainingRun.finished(dir));
    }

    /** The config, metrics, eval and best files are the same bytes in both run directories, and the results agree but for times. */
    static void assertSameRunFiles(Path whole, TrainingRun.Outcome a, Path resumed, TrainingRun.Outcome b) throws IOException {
        for (String file : List.of(TrainingRun.CONFIG, TrainingRun.METRICS, TrainingRun.EVAL, TrainingRun.BEST)) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(resumed.resolve(file)), file);
        }
        assertEquals(withoutTimes(a.result()), withoutTimes(b.result()));
    }

    /** A copy of result.json without the wall-clock fields, which differ between runs. */
    static JsonNode withoutTimes(JsonNode result) {
        ObjectNode copy = result.deepCopy();
        copy.remove("seconds_since_resume");
        copy.remove("resumed_at");
        return copy;
    }
}
