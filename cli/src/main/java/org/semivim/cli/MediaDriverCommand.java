package org.semivim.cli;

import org.semivim.cluster.ExternalMediaDriver;
import org.semivim.cluster.MediaDriverSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Runs this machine's Aeron media driver for aeron-udp nodes started with {@code --aeron-dir} (one driver
 * per machine instead of one embedded driver per node), until the process is stopped (SIGTERM/Ctrl-C):
 * then the driver stops and its directory is deleted. Stop the nodes first: a node whose driver is gone
 * loses its transport after Artery's driver timeout. docs/cluster.md, "One media driver per machine".
 */
@Command(name = "media-driver", description = "Run this machine's Aeron media driver for aeron-udp nodes started with --aeron-dir.")
final class MediaDriverCommand implements Callable<Integer> {

    @Option(names = "--aeron-dir", required = true, description = "The driver's directory (under /dev/shm for speed; deleted on exit). Nodes get the same --aeron-dir.")
    Path aeronDir;

    @Option(names = "--threading", defaultValue = "shared", description = "shared (one thread), shared-network or dedicated (default ${DEFAULT-VALUE}).")
    String threading;

    @Option(names = "--idle", defaultValue = "sleep:1ms", description = "When a duty cycle finds no work: sleep:<duration>, backoff:<max park> or busy-spin (default ${DEFAULT-VALUE}).")
    String idle;

    @Override
    public Integer call() throws Exception {
        MediaDriverSettings settings = new MediaDriverSettings(threading, idle);
        ExternalMediaDriver driver = ExternalMediaDriver.launch(aeronDir, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            driver.close();
            stopped.countDown();
        }, "semivim-media-driver-stop"));
        System.out.println("media driver up " + driver.directory() + " threading " + threading + " idle " + idle);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
