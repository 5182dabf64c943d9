package org.semivim.cluster;

import org.semivim.actors.RunHooks;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hooks for the supervisor node's run in the tests: the commit of one step waits until the test
 * {@link #release()}s it (so the test can stop or remove a node at a known step), and every step the
 * supervisor node pseudo-labels itself is recorded.
 */
final class HeldCommit implements RunHooks {
    private final long heldStep;
    private final CompletableFuture<Void> reached = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final Set<Long> labelledHere = ConcurrentHashMap.newKeySet();

    /** Holds the commit of {@code heldStep}. */
    HeldCommit(long heldStep) {
        this.heldStep = heldStep;
    }

    @Override
    public void beforePseudoLabels(long step) {
        labelledHere.add(step);
    }

    @Override
    public void beforeCommit(long step) {
        if (step != heldStep) return;
        reached.complete(null);
        released.join();
    }

    /** Completes when the run is about to commit the held step (and waits there). */
    CompletableFuture<Void> reached() {
        return reached;
    }

    /** Lets the held commit go on (idempotent: call it in a finally, before the nodes close). */
    void release() {
        released.complete(null);
    }

    /** The steps pseudo-labelled on the supervisor node so far (a live view). */
    Set<Long> labelledHere() {
        return labelledHere;
    }
}
