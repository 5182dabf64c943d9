package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.training.config.TrainConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ConfigCommandTest {

    private static String stdout(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(args));
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheConfigWithEveryDefaultAndItsHash(@TempDir Path tmp) throws Exception {
        Path conf = TinyRun.config(tmp);
        String out = stdout("config", conf.toString(), "steps=5", "eps_ls=0.2");
        String json = out.substring(0, out.indexOf("# config hash"));
        TrainConfig printed = TrainConfig.fromJson(json);
        assertEquals(5, printed.steps());
        assertEquals(0.2, printed.epsLs());
        assertTrue(json.contains("\"weight_decay\""), "defaults are spelled out");
        assertTrue(out.contains("# config hash " + printed.hash()), out);
    }

    @Test
    void printsTheReferenceConfig() {
        String out = stdout("config", "--reference");
        assertTrue(out.contains("lyapema {") && out.contains("s_min = 0.0625") && out.contains("method = null"), out);
    }
}
