package org.semivim.cluster;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a media driver of our own ({@link ExternalMediaDriver}, one per machine, shared by the aeron-udp
 * nodes on it) runs: Aeron's threading mode and the idle strategy of its threads. With Pekko's embedded
 * driver both follow {@code idle-cpu-level}; a driver of our own lets us choose them (docs/cluster.md,
 * "One media driver per machine").
 *
 * @param threading {@code shared} (conductor, sender and receiver on one thread), {@code shared-network}
 *                  (sender and receiver on one thread, the conductor on another) or {@code dedicated}
 *                  (three threads)
 * @param idle      {@code sleep:<duration>} (sleep that long whenever a duty cycle found no work; Pekko's
 *                  level 1 is {@code sleep:1ms}), {@code backoff:<max park>} (10 spins, 5 yields, then
 *                  parks from 1 µs doubling up to the max park) or {@code busy-spin} (never sleeps: only
 *                  for cores the training does not need). Durations: {@code 250us}, {@code 1ms}, {@code 100000ns}.
 */
public record MediaDriverSettings(String threading, String idle) {

    /** One thread that sleeps 1 ms when idle: what Pekko's embedded driver does at {@code idle-cpu-level = 1}. */
    public static final MediaDriverSettings DEFAULT = new MediaDriverSettings("shared", "sleep:1ms");

    public MediaDriverSettings {
        threadingMode(threading);   // validates
        idleStrategy(idle);
    }

    /** Aeron's threading mode for {@link #threading}. */
    public ThreadingMode threadingMode() {
        return threadingMode(threading);
    }

    /** A fresh idle strategy (one per driver thread) for {@link #idle}. */
    public IdleStrategy newIdleStrategy() {
        return idleStrategy(idle).get();
    }

    /** A driver context in {@code aeronDir} with these settings and the JVM's Aeron system properties (socket buffers, MTU, window). */
    MediaDriver.Context context(Path aeronDir) {
        NodeSettings.applyAeronSystemProperties();
        MediaDriver.Context ctx = new MediaDriver.Context().aeronDirectoryName(aeronDir.toString())
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true).threadingMode(threadingMode());
        switch (threadingMode()) {
            case SHARED -> ctx.sharedIdleStrategy(newIdleStrategy());
            case SHARED_NETWORK -> ctx.sharedNetworkIdleStrategy(newIdleStrategy()).conductorIdleStrategy(newIdleStrategy());
            default -> ctx.senderIdleStrategy(newIdleStrategy()).receiverIdleStrategy(newIdleStrategy()).conductorIdleStrategy(newIdleStrategy());
        }
        return ctx;
    }

    private static ThreadingMode threadingMode(String name) {
        return switch (name == null ? "" : name) {
            case "shared" -> ThreadingMode.SHARED;
            case "shared-network" -> ThreadingMode.SHARED_NETWORK;
            case "dedicated" -> ThreadingMode.DEDICATED;
            default -> throw new IllegalArgumentException("unknown media driver threading '" + name + "': expected shared, shared-network or dedicated");
        };
    }

    private static Supplier<IdleStrategy> idleStrategy(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("busy-spin")) return BusySpinIdleStrategy::new;
        if (s.startsWith("sleep:")) {
            long ns = nanos(s.substring(6), spec);
            return () -> new SleepingIdleStrategy(ns);
        }
        if (s.startsWith("backoff:")) {
            long maxPark = nanos(s.substring(8), spec);
            if (maxPark < 1_000) throw new IllegalArgumentException("idle strategy '" + spec + "': the max park must be at least 1us");
            return () -> new BackoffIdleStrategy(10, 5, 1_000, maxPark);
        }
        throw new IllegalArgumentException("unknown idle strategy '" + spec + "': expected sleep:<duration>, backoff:<max park> or busy-spin (e.g. sleep:1ms, backoff:200us)");
    }

    /** "250us", "1ms", "100000ns" → nanoseconds (1 ns … 1 s). */
    static long nanos(String d, String spec) {
        String s = d.trim();
        TimeUnit unit;
        String digits;
        if (s.endsWith("ms")) {
            unit = TimeUnit.MILLISECONDS;
            digits = s.substring(0, s.length() - 2);
        } else if (s.endsWith("us")) {
            unit = TimeUnit.MICROSECONDS;
            digits = s.substring(0, s.length() - 2);
        } else if (s.endsWith("ns")) {
            unit = TimeUnit.NANOSECONDS;
            digits = s.substring(0, s.length() - 2);
        } else {
            throw new IllegalArgumentException("idle strategy '" + spec + "': duration '" + d + "' needs a unit (ns, us or ms)");
        }
        long v;
        try {
            v = Long.parseLong(digits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("idle strategy '" + spec + "': duration '" + d + "' is not a whole number with a unit", e);
        }
        long ns = unit.toNanos(v);
        if (ns < 1 || ns > 1_000_000_000L) throw new IllegalArgumentException("idle strategy '" + spec + "': duration '" + d + "' is outside 1ns..1000ms");
        return ns;
    }
}
