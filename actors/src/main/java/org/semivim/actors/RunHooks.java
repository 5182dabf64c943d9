package org.semivim.actors;

/**
 * Points inside the actors where a test can step in: each is called just before the actor does the
 * work of that step. A hook that throws makes the actor fail there (fault injection, supervision
 * restarts it); a hook that blocks makes the actor slow (flow-control tests). In-JVM only: hooks are
 * handed to the actors when they are created, never sent in messages. The default does nothing.
 */
public interface RunHooks {
    RunHooks NONE = new RunHooks() {};

    /**
     * Thrown by {@link #beforeRender} to make the Augmenter stop instead of failing: the pool loses a
     * member, and the guardian spawns a replacement (a stopped pool member is not an error).
     */
    final class StopActor extends RuntimeException {
        public StopActor(String message) {
            super(message, null, false, false);
        }
    }

    /** The DataLoader is about to hand out {@code step}. */
    default void beforeBatch(long step) {}

    /** An Augmenter is about to render the views of {@code step}; may throw {@link StopActor}. */
    default void beforeRender(long step) {}

    /** TeacherInference is about to pseudo-label and compose {@code step}. */
    default void beforePseudoLabels(long step) {}

    /** A StudentTrainer is about to compute shard {@code shard} of {@code step}. */
    default void beforeShard(long step, int shard) {}

    /** The LyapunovSupervisor has every gradient of {@code step} and is about to run the update. */
    default void beforeCommit(long step) {}
}
