package org.semivim.actors.transfer;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;

import java.time.Duration;

/**
 * Chunked transfer settings ({@code semivim.cluster.transfer} in semivim-cluster.conf; these defaults
 * where a config has none): chunk size, window of unacknowledged chunks per link, the resend timeout,
 * the largest payload a receiver accepts, and how long a receiver may hold back an acknowledgement
 * ({@link AckPolicy}; shorter than the resend timeout).
 */
public record TransferSettings(int chunkBytes, int window, Duration resendAfter, int maxPayloadBytes, Duration ackDelay) {
    public static final String PATH = "semivim.cluster.transfer";
    /** Room for a chunk's header and the Artery envelope beside its bytes. */
    public static final int HEADER_BYTES = 4096;

    /**
     * The dispatcher of the link actors ({@link ChunkSender}, {@link ChunkReceiver}) where the config defines it: the
     * cluster config runs Artery's streams and the TCP connections on it as well (one thread), so a payload goes from
     * the link through Artery to the socket, and back, without waking another thread at each stage.
     */
    public static final String DISPATCHER = "semivim.cluster.transfer-dispatcher";

    /** The longest a receiver holds back an acknowledgement by default (less where the resend timeout is short). */
    public static final Duration DEFAULT_ACK_DELAY = Duration.ofMillis(200);

    public static final TransferSettings DEFAULTS = new TransferSettings(1024 * 1024, 8, Duration.ofSeconds(5), Integer.MAX_VALUE - 8);

    public TransferSettings {
        if (chunkBytes < 1024) throw new IllegalArgumentException(PATH + ".chunk-bytes must be at least 1 KiB, got " + chunkBytes);
        if (window < 1) throw new IllegalArgumentException(PATH + ".window must be at least 1, got " + window);
        if (resendAfter.isNegative() || resendAfter.isZero()) throw new IllegalArgumentException(PATH + ".resend-after must be positive");
        if (maxPayloadBytes < 0) throw new IllegalArgumentException(PATH + ".max-payload-bytes must not be negative");
        if (ackDelay.isNegative()) throw new IllegalArgumentException(PATH + ".ack-delay must not be negative");
        if (ackDelay.compareTo(resendAfter) >= 0) {
            throw new IllegalArgumentException(PATH + ".ack-delay (" + ackDelay + ") must be shorter than resend-after (" + resendAfter
                    + "): a sender would resend what the receiver has only not acknowledged yet");
        }
    }

    /** Settings with the default acknowledgement delay: {@link #DEFAULT_ACK_DELAY}, at most a quarter of {@code resendAfter}. */
    public TransferSettings(int chunkBytes, int window, Duration resendAfter, int maxPayloadBytes) {
        this(chunkBytes, window, resendAfter, maxPayloadBytes, defaultAckDelay(resendAfter));
    }

    private static Duration defaultAckDelay(Duration resendAfter) {
        Duration quarter = resendAfter.dividedBy(4);
        return quarter.compareTo(DEFAULT_ACK_DELAY) < 0 ? quarter : DEFAULT_ACK_DELAY;
    }

    /** Props for a link actor: on {@link #DISPATCHER} when {@code config} has it, else the default dispatcher. */
    public static Props linkProps(Config config) {
        return config.hasPath(DISPATCHER) ? DispatcherSelector.fromConfig(DISPATCHER) : Props.empty();
    }

    /** {@link #linkProps(Config)} of {@code system}'s config. */
    public static Props linkProps(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return linkProps(system.settings().config());
    }

    /** The settings of an ActorSystem's config; refused when a chunk does not fit the frame it travels in. */
    public static TransferSettings of(Config config) {
        TransferSettings s = DEFAULTS;
        if (config.hasPath(PATH)) {
            Config c = config.getConfig(PATH);
            Duration resend = c.hasPath("resend-after") ? c.getDuration("resend-after") : s.resendAfter;
            s = new TransferSettings(c.hasPath("chunk-bytes") ? (int) (long) c.getBytes("chunk-bytes") : s.chunkBytes,
                    c.hasPath("window") ? c.getInt("window") : s.window,
                    resend,
                    c.hasPath("max-payload-bytes") ? (int) Math.min(Integer.MAX_VALUE - 8, c.getBytes("max-payload-bytes")) : s.maxPayloadBytes,
                    c.hasPath("ack-delay") ? c.getDuration("ack-delay") : defaultAckDelay(resend));
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
