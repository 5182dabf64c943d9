package org.semivim.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.semivim.engine.tensor.Tensor;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint that passed every check of {@link CheckpointStore}: its step, the config hash it
 * was written for, when it was written, where it lies, its tensors and its JSON state.
 *
 * @param tensors the tensors under the names they were written with (see {@link CheckpointStore#write}
 *                for the order); unmodifiable map, freshly read arrays
 * @param state   the JSON state; the accessor returns a copy, so a caller cannot change this record
 */
public record Checkpoint(long step, String configHash, Instant createdAt, Path directory, Map<String, Tensor> tensors, JsonNode state) {

    public Checkpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        state = state.deepCopy();
    }

    @Override
    public JsonNode state() {
        return state.deepCopy();
    }

    /** The tensor called {@code name}; a missing name is an IllegalArgumentException listing what there is. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("checkpoint " + directory + " has no tensor '" + name + "'; it has " + tensors.keySet());
        return t;
    }
}
