package org.semivim.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** The Pekko configuration of every actors test: semivim-local.conf with every message really serialized. */
public final class TestPekko {
    private TestPekko() {}

    public static Config config() {
        return ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.loglevel = "WARNING"
                """).withFallback(ConfigFactory.load(RunOrchestrator.LOCAL_CONFIG));
    }
}
