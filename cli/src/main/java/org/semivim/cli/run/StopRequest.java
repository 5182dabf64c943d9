package org.semivim.cli.run;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A polite stop: Ctrl-C (SIGINT) or SIGTERM asks the running command to finish the current step,
 * write a checkpoint and exit (code 130); a second signal exits at once. The training loop polls
 * {@link #requested()} between steps. Without signal support (e.g. {@code -Xrs}) the JVM's default
 * handling applies and the last periodic checkpoint is what {@code resume} continues from.
 *
 * <p>Signals are caught with {@code sun.misc.Signal} (module {@code jdk.unsupported}, kept exported
 * for exactly this use; javac warns about it). A shutdown hook could not do the same: it runs after
 * the JVM has started to exit, so the command could neither choose its exit code nor offer the
 * second-Ctrl-C escape.
 */
public final class StopRequest implements AutoCloseable {
    /** The exit code of a run stopped by a signal (128 + SIGINT). */
    public static final int EXIT_CODE = 130;

    private final AtomicReference<String> reason = new AtomicReference<>();
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private StopRequest() {}

    /** A request nobody can trigger except by {@link #request} (tests, embedded use). */
    public static StopRequest manual() {
        return new StopRequest();
    }

    /** Catches SIGINT and SIGTERM until {@link #close()}. */
    public static StopRequest onSignals(Runnable onFirst) {
        StopRequest stop = new StopRequest();
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal signal = new Signal(name);
                SignalHandler old = Signal.handle(signal, s -> {
                    if (stop.reason.compareAndSet(null, "SIG" + s.getName())) {
                        onFirst.run();
                    } else {
                        System.err.println("semivim: second SIG" + s.getName() + ", exiting without a checkpoint");
                        Runtime.getRuntime().halt(EXIT_CODE);
                    }
                });
                stop.signals.add(signal);
                stop.previous.add(old);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the signal is reserved (-Xrs, or the VM uses it): keep the default behaviour
            }
        }
        return stop;
    }

    public void request(String why) {
        reason.compareAndSet(null, why);
    }

    public boolean requested() {
        return reason.get() != null;
    }

    /** What asked to stop ("SIGINT"), or null. */
    public String reason() {
        return reason.get();
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) Signal.handle(signals.get(i), previous.get(i));
        signals.clear();
        previous.clear();
    }
}
