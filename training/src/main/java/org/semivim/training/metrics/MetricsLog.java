package org.semivim.training.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Closeable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A run's metrics as JSON lines: one JSON object per line, each with an integer {@code "step"}.
 *
 * <p>Each record is written with one write call and reaches the operating system before
 * {@link #append} returns (no user-space buffer), so a crashed process loses nothing it appended;
 * {@link #sync} also forces the file to disk (call it before writing a checkpoint). What a crash
 * of the machine can leave is a last line without its newline: {@link #read} skips and reports
 * it, and {@link #open} / {@link #resume} cut it off before appending, so it never merges with
 * the next record. Any other line that is not a JSON object with an integer step is an error.
 *
 * <p>One writer per file. NaN and infinities are written as the strings "NaN", "Infinity".
 */
public final class MetricsLog implements Closeable {
    private static final Logger LOG = Logger.getLogger(MetricsLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final ResumeReport report;

    /** The records of a log file and the partial last line that was skipped, if any. */
    public record Contents(List<ObjectNode> records, Optional<String> partialTail) {
        public Contents {
            records = List.copyOf(records);
        }
    }

    /** What opening a log for appending removed: records after the resumed step, and a partial last line. */
    public record ResumeReport(int recordsKept, int recordsDropped, Optional<String> partialTail) {}

    private MetricsLog(Path file, ResumeReport report) throws IOException {
        this.file = file;
        this.report = report;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Opens {@code file} for appending (created if absent), cutting off a partial last line. */
    public static MetricsLog open(Path file) throws IOException {
        return resume(file, Long.MAX_VALUE);
    }

    /**
     * Opens {@code file} to continue a run whose last completed step is {@code lastKeptStep}:
     * records with a step greater than it are dropped (the resumed run writes them again, so no
     * step appears twice), as is a partial last line. Step records count from 0 while a train
     * state counts the steps run, so a run resumed from a state with {@code nextStep() == s}
     * passes {@code s - 1}. The checkpoint after step s must be written after the record of step s.
     */
    public static MetricsLog resume(Path file, long lastKeptStep) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!Files.exists(file)) return new MetricsLog(file, new ResumeReport(0, 0, Optional.empty()));

        byte[] bytes = Files.readAllBytes(file);
        List<Line> lines = new ArrayList<>();
        Optional<String> tail = scan(bytes, file, lines);
        List<Line> kept = lines.stream().filter(l -> l.step <= lastKeptStep).toList();
        int dropped = lines.size() - kept.size();
        tail.ifPresent(t -> LOG.warning(file + ": cutting off a partial last line (" + t.length() + " bytes): " + abbreviate(t)));
        if (dropped > 0) {
            LOG.info(file + ": dropping " + dropped + " record(s) after step " + lastKeptStep + " (resumed run)");
            rewrite(file, bytes, kept);
        } else if (tail.isPresent()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(lines.isEmpty() ? 0 : lines.get(lines.size() - 1).end + 1);
                ch.force(true);
            }
        }
        return new MetricsLog(file, new ResumeReport(kept.size(), dropped, tail));
    }

    /** What opening this log removed. */
    public ResumeReport resumeReport() {
        return report;
    }

    public Path file() {
        return file;
    }

    /** Appends {@code {"step": step, ...fields}} as one line; {@code fields} must not contain "step". */
    public void append(long step, Map<String, ?> fields) throws IOException {
        ObjectNode record = JSON.createObjectNode();
        record.put("step", step);
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            if (e.getKey().equals("step")) throw new IllegalArgumentException("metrics fields must not contain 'step' (given separately)");
            record.set(e.getKey(), JSON.valueToTree(e.getValue()));
        }
        append(record);
    }

    /** Appends {@code record} (which must have an integer "step") as one line. */
    public synchronized void append(ObjectNode record) throws IOException {
        if (!hasIntegerStep(record)) throw new IllegalArgumentException("metrics record has no integer \"step\": " + record);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        JSON.writeValue(line, record);
        line.write('\n');
        ByteBuffer buffer = ByteBuffer.wrap(line.toByteArray());
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    /** Forces every appended line to disk. */
    public synchronized void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            channel.force(false);
            channel.close();
        }
    }

    /** Reads every complete record of {@code file}; a partial last line is skipped, logged and returned. */
    public static Contents read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<Line> lines = new ArrayList<>();
        Optional<String> tail = scan(bytes, file, lines);
        tail.ifPresent(t -> LOG.warning(file + ": skipping a partial last line (" + t.length() + " bytes): " + abbreviate(t)));
        return new Contents(lines.stream().map(l -> l.record).toList(), tail);
    }

    /** One complete line: bytes [start, end) without its newline, and its record. */
    private record Line(int start, int end, long step, ObjectNode record) {}

    /** Parses the complete lines of {@code bytes} into {@code out}; returns the text after the last newline, if any. */
    private static Optional<String> scan(byte[] bytes, Path file, List<Line> out) throws IOException {
        int start = 0;
        int lineNumber = 1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') continue;
            String where = file + " line " + lineNumber;
            JsonNode node;
            try {
                node = JSON.readTree(new String(bytes, start, i - start, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IOException(where + " is not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) throw new IOException(where + " is not a JSON object");
            out.add(new Line(start, i, stepOf(node, where), (ObjectNode) node));
            start = i + 1;
            lineNumber++;
        }
        return start < bytes.length ? Optional.of(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8)) : Optional.empty();
    }

    private static long stepOf(JsonNode record, String where) throws IOException {
        if (!hasIntegerStep(record)) throw new IOException(where + " has no integer \"step\"");
        return record.get("step").longValue();
    }

    private static boolean hasIntegerStep(JsonNode record) {
        JsonNode step = record.get("step");
        return step != null && step.isIntegralNumber() && step.canConvertToLong();
    }

    /** Writes the kept lines (their original bytes) to a temporary file and moves it over {@code file}. */
    private static void rewrite(Path file, byte[] bytes, List<Line> kept) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));  // temp files are created 0600
            } catch (UnsupportedOperationException notPosix) {
                // keep the file system's defaults
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (Line l : kept) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes, l.start, l.end - l.start + 1);  // with its newline
                    while (buffer.hasRemaining()) ch.write(buffer);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
