package org.semivim.actors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A per-JVM record of when each step's messages and work happened (System.nanoTime), for the cluster
 * bench's critical-path breakdown ({@link StepCriticalPath}). Off by default: then {@link #mark} is one
 * volatile read and nothing else, and no bits of a run change either way (the stamps only read the
 * clock). Switched on by {@link #start()} (the bench, in its own JVM) or by the system property
 * {@value #DIRECTORY_PROPERTY} (the bench passes it to its child trainer JVM): then this JVM records from
 * its start and writes its events to {@code <dir>/timeline-<pid>.tsv} when it exits.
 *
 * <p>The stamps of two JVMs are compared directly: on Linux System.nanoTime is CLOCK_MONOTONIC, one clock
 * for every process of a machine. That holds only because the bench runs all its nodes on one machine;
 * stamps from two machines would need their clocks' offset first.
 */
public final class StepTimeline {

    /** A directory: record from the start of this JVM and write the events there at exit. */
    public static final String DIRECTORY_PROPERTY = "semivim.step-timeline.dir";

    /** What happened; each kind names the node that records it. */
    public enum Kind {
        /** Supervisor: step t committed, θS of version t + 1 about to go to the trainers. */
        COMMITTED,
        /** Supervisor: a gradient of step t arrived (ShardDone or StepGradientDone; the last one counts). */
        GRADIENT_IN,
        /** Supervisor node: TeacherInference starts labelling step t. */
        TEACHER_START,
        /** Supervisor node: TeacherInference sends step t's labels (ComputeLabelled) to a trainer. */
        LABELS_SENT,
        /** Supervisor node: TeacherInference sends step t's inputs (StepInputs) to a trainer. */
        INPUTS_SENT,
        /** Trainer: θS of version t arrived (its actor handles it). */
        PARAMS_IN,
        /** Trainer: step t's inputs arrived. */
        INPUTS_IN,
        /** Trainer: step t's labels arrived. */
        LABELS_IN,
        /** Trainer: the head start on step t's label-free terms begins / ends. */
        HEAD_START_BEGIN, HEAD_START_END,
        /** Trainer: a gradient of step t goes to the supervisor (its compute is done). */
        GRADIENT_SENT;

        static final Kind[] ALL = values();
    }

    /** One stamp. */
    public record Event(Kind kind, long step, long nanos) {}

    private static final int CAPACITY = 1 << 18;
    private static volatile boolean on;
    private static long[] steps, nanos;
    private static byte[] kinds;
    private static int size, dropped;

    static {
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            start();
            Path file = Path.of(dir).resolve("timeline-" + ProcessHandle.current().pid() + ".tsv");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    write(file, stop());
                } catch (IOException e) {
                    System.err.println("step timeline: could not write " + file + ": " + e.getMessage());
                }
            }, "step-timeline-writer"));
        }
    }

    private StepTimeline() {}

    /** Whether this JVM records. */
    public static boolean on() {
        return on;
    }

    /** Stamps {@code kind} of {@code step} now, if recording (a full record drops the stamp and counts it). */
    public static void mark(Kind kind, long step) {
        if (!on) return;
        long now = System.nanoTime();
        synchronized (StepTimeline.class) {
            if (!on) return;
            if (size == CAPACITY) {
                dropped++;
                return;
            }
            kinds[size] = (byte) kind.ordinal();
            steps[size] = step;
            nanos[size++] = now;
        }
    }

    /** Starts recording in this JVM, from an empty record. */
    public static synchronized void start() {
        if (kinds == null) {
            kinds = new byte[CAPACITY];
            steps = new long[CAPACITY];
            nanos = new long[CAPACITY];
        }
        size = 0;
        dropped = 0;
        on = true;
    }

    /** Stops recording and returns what was recorded (in the order of recording). */
    public static synchronized List<Event> stop() {
        on = false;
        List<Event> events = new ArrayList<>(size);
        for (int i = 0; i < size; i++) events.add(new Event(Kind.ALL[kinds[i]], steps[i], nanos[i]));
        if (dropped > 0) System.err.printf("step timeline: the record was full, %d stamps dropped%n", dropped);
        size = 0;
        return events;
    }

    /** Writes {@code events} as lines "KIND step nanos" (tab-separated). */
    public static void write(Path file, List<Event> events) throws IOException {
        StringBuilder b = new StringBuilder(events.size() * 40);
        for (Event e : events) b.append(e.kind().name()).append('\t').append(e.step()).append('\t').append(e.nanos()).append('\n');
        Files.writeString(file, b);
    }

    /** Reads a file {@link #write} wrote; a line that is not "KIND step nanos" is an error naming the file and the line. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            if (line.isEmpty()) continue;
            String[] f = line.split("\t");
            try {
                if (f.length != 3) throw new IllegalArgumentException("3 tab-separated fields expected");
                events.add(new Event(Kind.valueOf(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + n + ": not a step timeline event (" + e.getMessage() + "): " + line, e);
            }
        }
        return events;
    }
}
