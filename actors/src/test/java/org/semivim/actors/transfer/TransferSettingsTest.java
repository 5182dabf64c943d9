package org.semivim.actors.transfer;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The links' settings from HOCON: the cluster config's values, overrides, and refusals with the reason. */
class TransferSettingsTest {

    @Test
    void theClusterConfigGivesTheDefaultsAndOverridesAreRead() {
        assertEquals(TransferSettings.DEFAULTS, TransferSettings.of(ConfigFactory.load("semivim-cluster")));
        var custom = ConfigFactory.parseString("semivim.cluster.transfer { chunk-bytes = 512 KiB, window = 3, resend-after = 2s }")
                .withFallback(ConfigFactory.load("semivim-cluster"));
        assertEquals(new TransferSettings(512 * 1024, 3, Duration.ofSeconds(2), Integer.MAX_VALUE - 8), TransferSettings.of(custom));
        assertEquals(Duration.ofMillis(200), TransferSettings.DEFAULTS.ackDelay());
        assertEquals(Duration.ofMillis(75), new TransferSettings(1024, 3, Duration.ofMillis(300), 1 << 20).ackDelay(), "a quarter of a short resend timeout");
        var ack = ConfigFactory.parseString("semivim.cluster.transfer.ack-delay = 20ms").withFallback(ConfigFactory.load("semivim-cluster"));
        assertEquals(Duration.ofMillis(20), TransferSettings.of(ack).ackDelay());
    }

    @Test
    void anAckDelayThatIsNotShorterThanTheResendTimeoutIsRefused() {
        var slow = ConfigFactory.parseString("semivim.cluster.transfer { ack-delay = 5s, resend-after = 5s }");
        var e = assertThrows(IllegalArgumentException.class, () -> TransferSettings.of(slow));
        assertTrue(e.getMessage().contains("ack-delay") && e.getMessage().contains("resend-after"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransferSettings(1024, 3, Duration.ofSeconds(1), 1 << 20, Duration.ofMillis(-1)));
    }

    @Test
    void chunkSettingsThatDoNotFitTheLargeFrameAreRefused() {
        var frame = ConfigFactory.parseString("pekko.remote.artery.advanced.maximum-large-frame-size = 2 MiB");
        var big = ConfigFactory.parseString("semivim.cluster.transfer.chunk-bytes = 2 MiB").withFallback(frame);
        var e = assertThrows(IllegalArgumentException.class, () -> TransferSettings.of(big));
        assertTrue(e.getMessage().contains("chunk-bytes") && e.getMessage().contains("maximum-large-frame-size"), e.getMessage());
        var window = ConfigFactory.parseString("semivim.cluster.transfer.window = 0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TransferSettings.of(window)).getMessage().contains("window"));
        var tiny = ConfigFactory.parseString("semivim.cluster.transfer.chunk-bytes = 100");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TransferSettings.of(tiny)).getMessage().contains("at least 1 KiB"));
    }
}
