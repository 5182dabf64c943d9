package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorSystem;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A run started by {@link RunOrchestrator#start}: wait for its {@link RunResult}, or ask it to stop
 * early. {@link #requestStop()} lets the step in progress commit, has the Checkpointer write the
 * checkpoint of that step (records synced first) and ends the run with {@link RunResult#stopped()};
 * a resume from that checkpoint ends in the same bits as a run that was never stopped.
 * {@link #close()} terminates the run's actor system (also when the run is still going).
 */
public final class RunHandle implements AutoCloseable {
    private final ActorSystem<RunGuardian.Command> system;
    private final CompletableFuture<RunResult> result;

    RunHandle(ActorSystem<RunGuardian.Command> system, CompletableFuture<RunResult> result) {
        this.system = system;
        this.result = result;
    }

    /** Asks the run to end after the step in progress, with a checkpoint of it. Safe from any thread, any number of times. */
    public void requestStop() {
        system.tell(new RunGuardian.RequestStop());
    }

    /** Blocks until the run ends; a failed run throws {@link RunFailedException}. */
    public RunResult result() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException("interrupted while waiting for the run", e);
        } catch (ExecutionException e) {
            throw failure(e);
        }
    }

    /** The result if the run ends within {@code wait}, else empty; a failed run throws {@link RunFailedException}. */
    public Optional<RunResult> result(Duration wait) {
        try {
            return Optional.of(result.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException("interrupted while waiting for the run", e);
        } catch (ExecutionException e) {
            throw failure(e);
        }
    }

    private static RunFailedException failure(ExecutionException e) {
        if (e.getCause() instanceof RunFailedException f) return f;
        return new RunFailedException("the run failed: " + e.getCause(), e.getCause());
    }

    /** Terminates the actor system and waits (at most 30 s) for it to end. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the run's result is already decided; a slow shutdown does not change it
        }
    }
}
