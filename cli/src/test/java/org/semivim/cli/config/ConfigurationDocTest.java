package org.semivim.cli.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** docs/configuration.md has a table row for every key of the reference config (and no row for a key that does not exist). */
class ConfigurationDocTest {
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9_.]+)` \\|");

    @Test
    void theConfigurationReferenceDocumentsEveryKey() throws IOException {
        Path doc = Path.of("..", "docs", "configuration.md");
        assertTrue(Files.isRegularFile(doc), "run from the cli module: " + doc.toAbsolutePath());
        TreeSet<String> documented = new TreeSet<>();
        Matcher m = ROW.matcher(Files.readString(doc));
        while (m.find()) documented.add(m.group(1));
        documented.remove("model");   // documented in its own section, as one key
        TreeSet<String> keys = new TreeSet<>();
        collect(HoconTrainConfigTest.referenceConfig().root(), "", keys);
        keys.remove("model");
        assertEquals(keys, documented);
    }

    private static void collect(ConfigObject object, String prefix, TreeSet<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix + e.getKey();
            if (e.getValue().valueType() == ConfigValueType.OBJECT && !path.equals("data.protocol") && !path.equals("data.generated")) {
                collect((ConfigObject) e.getValue(), path + ".", out);
            } else {
                out.add(path);
            }
        }
    }
}
