package org.semivim.data.split;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.semivim.data.io.DatasetFormatException;

/**
 * Saves and loads a {@link LongTailSplit} as JSON, so a resumed run uses exactly the same samples.
 * Saving writes a temporary file and moves it into place atomically. Loading re-checks the id
 * against the protocol and seed (the record's constructor does), and that no index appears twice.
 */
public final class SplitFiles {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private SplitFiles() {}

    public static void save(LongTailSplit split, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), split);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static LongTailSplit load(Path file) throws IOException {
        LongTailSplit split;
        try {
            split = JSON.readValue(file.toFile(), LongTailSplit.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new DatasetFormatException(file, "not a valid split file: " + e.getMessage(), e);
        }
        requireDisjoint(file, split);
        return split;
    }

    private static void requireDisjoint(Path file, LongTailSplit split) throws DatasetFormatException {
        java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        for (int[] part : new int[][] {split.validation(), split.labeled(), split.unlabeled()}) {
            for (int i : part) {
                if (i < 0) throw new DatasetFormatException(file, "negative sample index " + i);
                if (!seen.add(i)) throw new DatasetFormatException(file, "sample index " + i + " appears twice");
            }
        }
    }
}
