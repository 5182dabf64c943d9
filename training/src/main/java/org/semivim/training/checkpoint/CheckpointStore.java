package org.semivim.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointFormat.FileEntry;
import org.semivim.training.checkpoint.CheckpointFormat.Refused;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The checkpoints of one run, in {@code runDir/checkpoints/step-NNNNNNNNN/} (STYLE.md §5,
 * docs/checkpoints.md).
 *
 * <p><b>Writing</b> is atomic: everything goes into a scratch directory {@code .tmp-…}, each file
 * forced to disk, the header and then the DONE marker last, and the directory is renamed into
 * place in one step. A reader never sees a half-written checkpoint, and a crash leaves only a
 * scratch directory, which the next write removes. One writer per run directory.
 *
 * <p><b>Loading</b> verifies everything ({@link CheckpointReader}). {@link #latest} walks from
 * the newest checkpoint back and uses the first that passes; every one refused on the way is
 * logged and returned with the result. Readers may run while the writer writes.
 *
 * <p><b>Retention</b> after each write: the checkpoint just written is kept with the
 * {@code keepLast − 1} newest older ones; older ones are deleted, and so are checkpoints with a
 * higher step than the one just written: writing step s after resuming from before a newer
 * checkpoint (because that one was refused, or on purpose) replaces the history after s. The
 * checkpoint just written is the last good one (its checksums were computed from the bytes on disk),
 * so retention never leaves the run without a good checkpoint.
 */
public final class CheckpointStore {
    public static final int DEFAULT_KEEP_LAST = 3;
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());
    /** How often {@link #latest} rescans when checkpoints vanished under it (deleted by retention). */
    private static final int RESCANS = 3;

    private final Path checkpointsDir;
    private final int keepLast;

    public CheckpointStore(Path runDir) {
        this(runDir, DEFAULT_KEEP_LAST);
    }

    public CheckpointStore(Path runDir, int keepLast) {
        if (runDir == null) throw new IllegalArgumentException("run directory must not be null");
        if (keepLast < 1) throw new IllegalArgumentException("keepLast must be at least 1, got " + keepLast);
        this.checkpointsDir = runDir.resolve("checkpoints");
        this.keepLast = keepLast;
    }

    public Path checkpointsDir() {
        return checkpointsDir;
    }

    /** The directory of the checkpoint of {@code step} (whether or not it exists). */
    public Path directory(long step) {
        return checkpointsDir.resolve(CheckpointFormat.directoryName(step));
    }

    /** Same as {@link #write(long, Map, JsonNode, String)} with the state given as a map (converted by Jackson). */
    public Path write(long step, Map<String, Tensor> tensors, Map<String, ?> state, String configHash) throws IOException {
        if (state == null) throw new IllegalArgumentException("checkpoint state must not be null");
        JsonNode tree = CheckpointFormat.JSON.valueToTree(state);
        return write(step, tensors, tree, configHash);
    }

    /**
     * Writes the checkpoint of {@code step} atomically and applies retention. An existing
     * checkpoint of the same step is replaced.
     *
     * @param tensors    named tensors, written as F32. A name {@code group/rest} goes to
     *                   {@code group.safetensors} under the name {@code rest} (so {@code student/…}
     *                   gives a file the engine loads as a model); names without '/' go to
     *                   {@code tensors.safetensors}. Loading returns the same names, groups in order of
     *                   first appearance and write order within a group: a map that keeps each group
     *                   together comes back in exactly its order.
     * @param state      everything else, as JSON (numbers must round-trip: longs exactly, floats via their
     *                   shortest decimal, as Jackson writes them)
     * @param configHash {@link ConfigHash} of the run's config
     * @return the checkpoint directory
     */
    public Path write(long step, Map<String, Tensor> tensors, JsonNode state, String configHash) throws IOException {
        if (step < 0) throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        if (tensors == null || state == null) throw new IllegalArgumentException("checkpoint tensors and state must not be null");
        if (configHash == null || configHash.isBlank()) throw new IllegalArgumentException("checkpoint config hash must not be blank");
        Map<String, Map<String, Tensor>> groups = CheckpointFormat.group(tensors);

        Files.createDirectories(checkpointsDir);
        removeScratchDirectories();
        Path tmp = Files.createTempDirectory(checkpointsDir, CheckpointFormat.TMP_PREFIX + CheckpointFormat.directoryName(step) + "-");
        Path target = directory(step);
        boolean moved = false;
        try {
            makeReadable(tmp);
            List<FileEntry> files = new ArrayList<>();
            for (Map.Entry<String, Map<String, Tensor>> g : groups.entrySet()) {
                Path file = tmp.resolve(g.getKey() + CheckpointFormat.TENSOR_SUFFIX);
                Safetensors.write(file, g.getValue(), Map.of("semivim.checkpoint.group", g.getKey()));
                files.add(describe(file, g.getKey()));
            }
            Path stateFile = tmp.resolve(CheckpointFormat.STATE_FILE);
            DurableFiles.writeDurably(stateFile, CheckpointFormat.JSON.writeValueAsBytes(state));
            files.add(describe(stateFile, null));

            byte[] header = CheckpointFormat.encodeHeader(step, configHash, Instant.now(), files);
            DurableFiles.writeDurably(tmp.resolve(CheckpointFormat.HEADER_FILE), header);
            DurableFiles.writeDurably(tmp.resolve(CheckpointFormat.DONE_FILE),
                    (DurableFiles.sha256(header) + "\n").getBytes(StandardCharsets.US_ASCII));
            DurableFiles.syncDirectory(tmp);

            Path replaced = null;
            if (Files.exists(target)) {
                replaced = checkpointsDir.resolve(CheckpointFormat.REPLACED_PREFIX + target.getFileName() + "-" + System.nanoTime());
                moveAtomically(target, replaced);
                LOG.info(() -> "replacing the existing checkpoint " + target);
            }
            moveAtomically(tmp, target);
            moved = true;
            DurableFiles.syncDirectory(checkpointsDir);
            if (replaced != null) DurableFiles.deleteRecursively(replaced);
        } finally {
            if (!moved) DurableFiles.deleteRecursively(tmp);
        }
        applyRetention(step);
        return target;
    }

    /**
     * The newest checkpoint that passes every check, walking back from the newest; empty when
     * the run has no checkpoint directory at all (a fresh run).
     *
     * @throws CheckpointException when checkpoints exist but every one is refused; the message
     *                             lists each with its reason
     */
    public Optional<LoadResult> latest(String expectedConfigHash) throws IOException {
        requireHash(expectedConfigHash);
        List<Refusal> refusals = new ArrayList<>();
        for (int scan = 0; scan < RESCANS; scan++) {
            refusals.clear();
            boolean vanished = false;
            List<Long> steps = new ArrayList<>(steps());
            Collections.reverse(steps);
            for (long step : steps) {
                Path dir = directory(step);
                try {
                    Checkpoint checkpoint = CheckpointReader.read(dir, step, expectedConfigHash);
                    if (!refusals.isEmpty()) {
                        LOG.warning("falling back to checkpoint " + dir + " after refusing " + refusals.size() + " newer one(s)");
                    }
                    return Optional.of(new LoadResult(checkpoint, refusals));
                } catch (Refused | IOException e) {
                    if (!Files.isDirectory(dir)) {
                        vanished = true;  // deleted by the writer's retention while we read it: not a refusal
                        LOG.fine(() -> "checkpoint " + dir + " vanished while being read");
                    } else {
                        refuse(refusals, step, dir, e instanceof Refused ? e.getMessage() : "cannot read it: " + e);
                    }
                }
            }
            if (!vanished) break;
        }
        if (refusals.isEmpty()) return Optional.empty();
        throw new CheckpointException("no usable checkpoint in " + checkpointsDir + "; refused " + refusals.size() + ":\n  "
                + String.join("\n  ", refusals.stream().map(Refusal::toString).toList()));
    }

    /** The checkpoint of exactly {@code step}, verified; no fallback. */
    public Checkpoint load(long step, String expectedConfigHash) throws IOException {
        requireHash(expectedConfigHash);
        Path dir = directory(step);
        if (!Files.isDirectory(dir)) throw new CheckpointException("no checkpoint for step " + step + " in " + checkpointsDir);
        try {
            return CheckpointReader.read(dir, step, expectedConfigHash);
        } catch (Refused e) {
            LOG.warning("refusing checkpoint " + dir + ": " + e.getMessage());
            throw new CheckpointException("refusing checkpoint " + dir + ": " + e.getMessage());
        }
    }

    /** The steps that have a checkpoint directory (complete or not), ascending. */
    public List<Long> steps() throws IOException {
        if (!Files.isDirectory(checkpointsDir)) return List.of();
        List<Long> steps = new ArrayList<>();
        try (Stream<Path> entries = Files.list(checkpointsDir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                OptionalLong step = CheckpointFormat.parseDirectoryName(p.getFileName().toString());
                if (step.isPresent() && Files.isDirectory(p)) steps.add(step.getAsLong());
            }
        }
        Collections.sort(steps);
        return steps;
    }

    private void applyRetention(long written) {
        try {
            List<Long> steps = steps();
            int olderKept = 0;
            for (int i = steps.size() - 1; i >= 0; i--) {
                long step = steps.get(i);
                if (step == written) continue;
                if (step > written) {
                    LOG.info("deleting checkpoint step " + step + ": superseded by the checkpoint just written at step " + written);
                    delete(step);
                } else if (olderKept < keepLast - 1) {
                    olderKept++;
                } else {
                    delete(step);
                }
            }
        } catch (IOException e) {
            // the checkpoint itself is written; a failed clean-up only costs disk space
            LOG.log(Level.WARNING, "checkpoint retention failed in " + checkpointsDir, e);
        }
    }

    /** Renames the checkpoint out of the readers' sight first, so no reader starts on a half-deleted one. */
    private void delete(long step) throws IOException {
        Path dir = directory(step);
        Path doomed = checkpointsDir.resolve(CheckpointFormat.DELETING_PREFIX + dir.getFileName() + "-" + System.nanoTime());
        moveAtomically(dir, doomed);
        DurableFiles.deleteRecursively(doomed);
    }

    /** Removes what an interrupted write or delete left behind (safe: one writer per run directory). */
    private void removeScratchDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(checkpointsDir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(CheckpointFormat.TMP_PREFIX) || name.startsWith(CheckpointFormat.REPLACED_PREFIX)
                        || name.startsWith(CheckpointFormat.DELETING_PREFIX)) {
                    LOG.info(() -> "removing the leftover " + p);
                    DurableFiles.deleteRecursively(p);
                }
            }
        }
    }

    private static void refuse(List<Refusal> refusals, long step, Path dir, String reason) {
        LOG.warning("refusing checkpoint " + dir + ": " + reason);
        refusals.add(new Refusal(step, dir, reason));
    }

    private static FileEntry describe(Path file, String group) throws IOException {
        return new FileEntry(file.getFileName().toString(), group, Files.size(file), DurableFiles.sha256(file));
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + from.getParent() + " cannot rename atomically; checkpoints need it", e);
        }
    }

    /** Temporary directories are created 0700; a checkpoint should be readable like any other output. */
    private static void makeReadable(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException notPosix) {
            // keep the file system's defaults
        }
    }

    private static void requireHash(String hash) {
        if (hash == null || hash.isBlank()) throw new IllegalArgumentException("the expected config hash must not be blank");
    }
}
