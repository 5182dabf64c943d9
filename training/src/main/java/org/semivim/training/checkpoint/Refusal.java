package org.semivim.training.checkpoint;

import java.nio.file.Path;

/** Why the checkpoint directory of {@code step} was not loaded. */
public record Refusal(long step, Path directory, String reason) {
    @Override
    public String toString() {
        return directory.getFileName() + ": " + reason;
    }
}
