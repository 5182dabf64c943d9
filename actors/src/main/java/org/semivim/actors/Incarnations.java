package org.semivim.actors;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells an actor's setup whether it is the first start or a restart. Created once per actor in its
 * {@code create} factory: a restart under supervision runs the same setup again, which then sees
 * {@code true}. (Restarts rebuild state from peers; a first start must not, or it would ask for
 * work that is already on its way.)
 */
final class Incarnations {
    private final AtomicBoolean first = new AtomicBoolean(true);

    /** False on the first call, true on every later one. */
    boolean restarted() {
        return !first.getAndSet(false);
    }
}
