package org.semivim.actors;

import org.semivim.training.loop.TrainState;

/** What the supervisor needs of its master state, whatever the method: {@link MasterState} or {@link SsmaeMaster}. */
interface Master {
    /** Steps committed so far (= the version of the parameters). */
    long committed();

    /** A copy of θS [P]. */
    float[] student();

    /** A copy of θT [P], or null. */
    float[] teacher();

    /** The state after {@link #committed()} steps, as the method's single-process trainer writes it. */
    TrainState snapshot();

    /** Continues from {@code state} (checked as the single-process trainer checks it). */
    void restore(TrainState state);

    /** Frees what the state holds outside the heap (files). */
    default void close() {}
}
