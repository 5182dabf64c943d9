package org.semivim.training.checkpoint;

/** No usable checkpoint: every candidate was refused (the message lists why), or the one asked for was. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
