package org.semivim.actors.transfer;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * Chunked transfer settings ({@code semivim.cluster.transfer} in semivim-cluster.conf; these defaults
 * where a config has none): chunk size, window of unacknowledged chunks per link, the resend timeout,
 * and the largest payload a receiver accepts.
 */
public record TransferSettings(int chunkBytes, int window, Duration resendAfter, int maxPayloadBytes) {
    public static final String PATH = "semivim.cluster.transfer";
    /** Room for a chunk's header and the Artery envelope beside its bytes. */
    public static final int HEADER_BYTES = 4096;

    public static final TransferSettings DEFAULTS = new TransferSettings(1024 * 1024, 8, Duration.ofSeconds(5), Integer.MAX_VALUE - 8);

    public TransferSettings {
        if (chunkBytes < 1024) throw new IllegalArgumentException(PATH + ".chunk-bytes must be at least 1 KiB, got " + chunkBytes);
        if (window < 1) throw new IllegalArgumentException(PATH + ".window must be at least 1, got " + window);
        if (resendAfter.isNegative() || resendAfter.isZero()) throw new IllegalArgumentException(PATH + ".resend-after must be positive");
        if (maxPayloadBytes < 0) throw new IllegalArgumentException(PATH + ".max-payload-bytes must not be negative");
    }

    /** The settings of an ActorSystem's config; refused when a chunk does not fit the frame it travels in. */
    public static TransferSettings of(Config config) {
        TransferSettings s = DEFAULTS;
        if (config.hasPath(PATH)) {
            Config c = config.getConfig(PATH);
            s = new TransferSettings(c.hasPath("chunk-bytes") ? (int) (long) c.getBytes("chunk-bytes") : s.chunkBytes,
                    c.hasPath("window") ? c.getInt("window") : s.window,
                    c.hasPath("resend-after") ? c.getDuration("resend-after") : s.resendAfter,
                    c.hasPath("max-payload-bytes") ? (int) Math.min(Integer.MAX_VALUE - 8, c.getBytes("max-payload-bytes")) : s.maxPayloadBytes);
        }
        String frame = "pekko.remote.artery.advanced.maximum-large-frame-size";
        if (config.hasPath(frame)) {
            long frameBytes = config.getBytes(frame);
            if (s.chunkBytes + (long) HEADER_BYTES > frameBytes) {
                throw new IllegalArgumentException(PATH + ".chunk-bytes (" + s.chunkBytes + ") plus a " + HEADER_BYTES
                        + "-byte header does not fit " + frame + " (" + frameBytes + "): lower the chunk size");
            }
        }
        return s;
    }
}
