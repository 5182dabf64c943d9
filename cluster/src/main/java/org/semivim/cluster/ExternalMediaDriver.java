package org.semivim.cluster;

import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An Aeron media driver of our own, shared by every aeron-udp node of this machine that is started
 * with its directory ({@link NodeSettings#aeronDir()}: Artery's {@code embedded-media-driver = off},
 * {@code aeron-dir} = this directory). One driver per machine is how Aeron is meant to be deployed: the
 * co-located nodes share its thread(s) and wake-ups instead of running one driver each, and its
 * threading mode and idle strategy are ours to choose ({@link MediaDriverSettings}) rather than
 * following Pekko's {@code idle-cpu-level}. What {@code semivim media-driver} runs; the bench runs one
 * in its JVM. {@link #close()} stops the driver and deletes its directory.
 */
public final class ExternalMediaDriver implements AutoCloseable {
    private final MediaDriver driver;
    private final Path dir;
    private final MediaDriverSettings settings;

    private ExternalMediaDriver(MediaDriver driver, Path dir, MediaDriverSettings settings) {
        this.driver = driver;
        this.dir = dir;
        this.settings = settings;
    }

    /**
     * Starts a driver in {@code aeronDir} (created; stale files of a driver that is gone are deleted). A
     * directory in which a driver is still alive is refused: two drivers must never share one.
     */
    public static ExternalMediaDriver launch(Path aeronDir, MediaDriverSettings settings) {
        Path dir = aeronDir.toAbsolutePath().normalize();
        if (driverActive(dir)) {
            throw new IllegalStateException("a media driver is already running in " + dir + ": use that one (--aeron-dir " + dir + ") or another directory");
        }
        MediaDriver driver = MediaDriver.launch(settings.context(dir));
        return new ExternalMediaDriver(driver, dir, settings);
    }

    /** Whether a live media driver answers in {@code aeronDir} (its cnc file exists and its heartbeat is fresh). */
    public static boolean driverActive(Path aeronDir) {
        File dir = aeronDir.toFile();
        if (!new File(dir, "cnc.dat").exists()) return false;
        return CommonContext.isDriverActive(dir, 2_000, message -> { });
    }

    public Path directory() {
        return dir;
    }

    public MediaDriverSettings settings() {
        return settings;
    }

    /** Stops the driver and deletes its directory (the nodes using it should have stopped first). */
    @Override
    public void close() {
        driver.close();   // dirDeleteOnShutdown: the driver deletes its files
        if (Files.exists(dir)) org.agrona.IoUtil.delete(dir.toFile(), true);
    }
}
