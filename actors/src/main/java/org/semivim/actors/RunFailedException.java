package org.semivim.actors;

/** A run the actor runtime could not finish: an actor kept failing, or a checkpoint could not be read or written. */
public final class RunFailedException extends RuntimeException {
    public RunFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
