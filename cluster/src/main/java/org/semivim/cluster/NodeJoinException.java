package org.semivim.cluster;

/** A node could not join its cluster (no seed node reachable within the join timeout, or the system stopped). */
public final class NodeJoinException extends IllegalStateException {
    public NodeJoinException(String message) {
        super(message);
    }
}
